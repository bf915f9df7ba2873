import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError, describeError, type ConfigIssue } from '../platform/errors.js';
import type { CompiledConfig } from './types.js';
import { buildKeyLineIndex } from './line-index.js';
import { expandEnv, type EnvMap } from './expand-env.js';
import { checkKeys } from './check-keys.js';
import { rootSchema } from './schema.js';
import { zodIssuesToConfigIssues } from './zod-issues.js';
import { createCompileContext } from './compile-context.js';
import { compileConfig } from './compile-config.js';
import { decodeUtf8 } from './decode-utf8.js';

export interface LoadedConfig {
  config: CompiledConfig;
  /** Same list as `config.warnings`: ignored gitlab-runner keys, missing url/token, deprecations. */
  warnings: readonly ConfigIssue[];
}

export interface LoadConfigOptions {
  /** Values for `${VAR}` placeholders; the CLI passes the process environment. */
  env: EnvMap;
}

const byLine = (a: ConfigIssue, b: ConfigIssue): number => (a.line ?? 0) - (b.line ?? 0);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function parseTomlText(
  text: string,
  file: string,
  lineMap: readonly number[],
): Record<string, unknown> {
  try {
    return parseToml(text);
  } catch (err: unknown) {
    if (err instanceof TomlError) {
      const reason = err.message.split('\n')[0]!.replace(/^Invalid TOML document:\s*/, '');
      const line = lineMap[err.line - 1] ?? err.line;
      throw new ConfigError([
        { file, line, message: `TOML syntax error at column ${err.column}: ${reason}` },
      ]);
    }
    throw err;
  }
}

/**
 * Parses config.toml text: `${VAR}` expansion from `env`, TOML, unknown-key and type checks,
 * then gitlab-runner's defaults. Throws ConfigError listing every problem found (file:line key:
 * what is expected); returns the frozen config and its warnings otherwise.
 */
export function parseConfig(text: string, file: string, env: EnvMap): LoadedConfig {
  const index = buildKeyLineIndex(text);
  const expanded = expandEnv(text, file, env, (line) => index.pathAt(line));
  if (expanded.issues.length > 0) throw new ConfigError(expanded.issues, 'config_missing_env');
  const raw = parseTomlText(expanded.text, file, expanded.lineMap);

  const keys = checkKeys(raw, file, index);
  const parsed = rootSchema.safeParse(raw);
  const typeIssues = parsed.success
    ? []
    : zodIssuesToConfigIssues(parsed.error.issues, raw, file, index);
  if (!parsed.success) throw new ConfigError([...keys.errors, ...typeIssues].sort(byLine));

  const absolute = resolve(file);
  const ctx = createCompileContext(file, dirname(absolute), index);
  const config = compileConfig(ctx, parsed.data, absolute);
  const errors = [...keys.errors, ...ctx.errors];
  if (errors.length > 0) throw new ConfigError(errors.sort(byLine));
  const warnings = [...keys.warnings, ...ctx.warnings].sort(byLine);
  const frozen = deepFreeze({ ...config, warnings });
  return { config: frozen, warnings: frozen.warnings };
}

/** Reads and parses a config.toml file (see `parseConfig`). */
export async function loadConfig(path: string, options: LoadConfigOptions): Promise<LoadedConfig> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err: unknown) {
    throw new ConfigError(
      [{ file: path, message: `cannot read the config file: ${describeError(err)}` }],
      'not_found',
    );
  }
  return parseConfig(decodeUtf8(bytes, path), path, options.env);
}
