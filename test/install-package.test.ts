/**
 * What a user gets from `npm install -g spotrunner`: the package is packed as a release would be
 * (`npm pack`, whose prepack builds dist/), installed globally into a temporary prefix from the
 * tarball, and the installed `spotrunner` command is run outside the checkout.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTarball, packTarball, REPO_ROOT } from './support/pack-tarball.js';

const run = promisify(execFile);

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;
let tarball: string;
let prefix: string;
let installed: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spotrunner-install-'));
  tarball = await packTarball(join(dir, 'pack'));
  prefix = join(dir, 'prefix');
  await run(
    'npm',
    ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
    { cwd: dir, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
  );
  installed = join(prefix, 'lib', 'node_modules', 'spotrunner');
}, 900_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The installed command, from a directory outside the checkout, with a minimal environment. */
function spotrunner(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      join(prefix, 'bin', 'spotrunner'),
      args,
      {
        cwd: dir,
        timeout: 120_000,
        maxBuffer: 16 * 1024 * 1024,
        env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: dir, ...env },
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('the packed package', () => {
  it('holds the compiled CLI and the runtime assets, and no sources, tests or test support', async () => {
    const files = await listTarball(tarball);
    for (const wanted of [
      'package/bin/spotrunner.js',
      'package/dist/app/main.js',
      'package/examples/plan-seed-002.toml',
      'package/examples/seed-002.toml',
      'package/examples/history/seed-002.csv',
      'package/examples/demo-project/.gitlab-ci.yml',
    ]) {
      expect(files).toContain(wanted);
    }
    const unwanted = files.filter(
      (f) =>
        f.startsWith('package/src/') ||
        f.startsWith('package/test/') ||
        /\.(test|contract)\.js$/.test(f) ||
        /\/(testing|testdata)\//.test(f) ||
        f.endsWith('.map') ||
        f.endsWith('.ts'),
    );
    expect(unwanted).toEqual([]);
  });

  it('depends on runtime packages only: no tsx, TypeScript or test runner', async () => {
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const dev of ['tsx', 'typescript', 'vitest', 'esbuild']) {
      expect(Object.keys(manifest.dependencies)).not.toContain(dev);
      expect(existsSync(join(installed, 'node_modules', dev))).toBe(false);
    }
  });
});

describe('the installed spotrunner command', () => {
  it('prints its help and version', async () => {
    const help = await spotrunner(['--help']);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: spotrunner');
    expect(help.stdout).toContain('config');
    const manifest = JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const version = await spotrunner(['--version']);
    expect(version.stdout.trim()).toBe(manifest.version);
  });

  it('checks the bundled example config', async () => {
    const config = join(installed, 'examples', 'seed-002.toml');
    const ok = await spotrunner(['config', 'check', config], { GITLAB_RUNNER_TOKEN: 'glrt-x' });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('OK (1 runner(s), 0 warning(s))');
    const missing = await spotrunner(['config', 'check', config]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('GITLAB_RUNNER_TOKEN is not set');
  });

  it('plans the bundled example', async () => {
    const plan = await spotrunner(['plan']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/jobs\s+1,682/);
    expect(plan.stdout).toContain('compute cost');
    expect(plan.stdout).toContain('t4g.medium');
  });
});
