// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import path from 'node:path';

/** An absolute path (or glob) under src/: the import rule matches globs against absolute paths. */
const src = (/** @type {string} */ p) => path.join(import.meta.dirname, 'src', p);

/**
 * The layer rules of the architecture document ("Rules that keep it easy to change"), as import
 * zones: each zone forbids files under `target` to import from `from` (but for `except`).
 */
const layerZones = [
  {
    target: src('platform'),
    from: src(''),
    except: [src('platform')],
    message: 'platform/ imports nothing of ours.',
  },
  {
    // Every folder of fleet/ but testing/ (below).
    target: src('fleet/{*.ts,!(testing)/**}'),
    from: src(''),
    except: [src('fleet'), src('platform'), src('providers/provider.ts')],
    message: 'fleet/ imports only platform/ and the Provider port.',
  },
  {
    // Test support for the engine: tests fill in the config's defaults (config/defaults.ts) as
    // loadConfig would, and drive the engine with the sim provider, as plan/ does.
    target: src('fleet/testing'),
    from: src(''),
    except: [
      src('fleet'),
      src('platform'),
      src('providers/provider.ts'),
      src('providers/sim'),
      src('config/defaults.ts'),
    ],
    message: 'fleet/testing/ imports only what fleet/ does, config defaults and the sim provider.',
  },
  {
    // Ports: Fleet, Executor, InstanceConnection, Provider; and the protocol (gitlab/ but for
    // its HTTP client, below) and the compiled config.
    target: src('runner'),
    from: src(''),
    except: [
      src('runner'),
      src('platform'),
      src('config'),
      src('gitlab'),
      src('fleet/fleet.ts'),
      src('executors/executor.ts'),
      src('connect/connection.ts'),
      src('providers/provider.ts'),
    ],
    message: 'runner/ sees ports only; app/ builds the adapters.',
  },
  {
    target: src('runner'),
    from: src('gitlab/http'),
    message: 'runner/ sees ports only; app/ builds the adapters.',
  },
  ...['runner', 'fleet'].map((layer) => ({
    target: [
      src('providers'),
      src('connect'),
      src('executors'),
      src('gitlab'),
      src('cache'),
      src('sandbox'),
    ],
    from: src(layer),
    except: layer === 'fleet' ? [src('fleet/fleet.ts')] : [],
    message: 'Adapters never import runner/ or fleet/ internals (fleet/fleet.ts is the port).',
  })),
  {
    target: src('!(app|cli)/**'),
    from: [src('app'), src('cli')],
    message: 'Only app/ and cli/ import app/ and cli/.',
  },
  {
    // The manager (split out of app/) sits above every layer but app/ and cli/.
    target: src('!(app|cli|manager)/**'),
    from: src('manager'),
    message: 'Only app/ and cli/ import manager/.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'bin/**',
      'packaging/**/*.mjs',
      'eslint.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // Our imports name the emitted `.js`; without the alias the import rules resolve nothing
      // (and check nothing).
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.js', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.js'] },
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': ['error', { maxDepth: 10 }],
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      // One name for the error in a log line: `err` (what describeError gives), never `error`.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(trace|debug|info|warn|error|fatal)$/] > ObjectExpression > Property[key.name="error"]',
          message: 'Log the error as `err` (describeError(err)), the one field name for errors.',
        },
      ],
    },
  },
  {
    // Instance state has one writer: FleetBook. Everything else sees the read-only FleetInstance.
    files: ['**/*.ts'],
    ignores: ['src/fleet/fleet-book.ts', 'src/fleet/free-slot-index.ts', 'src/fleet/idle-list.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/instance-record.js'],
              message: 'Only FleetBook changes instances: use FleetInstance and FleetBook methods.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
