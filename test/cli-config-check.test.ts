/**
 * `spotrunner config check` as users run it: the real CLI in a child process, its exit code and
 * what it prints. A config error is a message with file:line and exit 2.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function spotrunner(args: string[], timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/spotrunner.js'), ...args],
      { cwd: ROOT, timeout: timeoutMs, env: { PATH: process.env['PATH'] ?? '' } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const CONFIG = `concurrent = 2
[[runners]]
name = "r"
url = "https://gitlab.example.com"
token = "glrt-abc"
executor = "docker-autoscaler"
[runners.autoscaler]
plugin = "PLUGIN"
[runners.autoscaler.plugin_config]
name = "asg"
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'config-check-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function check(text: string): Promise<CliResult> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.toml`);
  await writeFile(file, text);
  return spotrunner(['config', 'check', file]);
}

describe('spotrunner config check', () => {
  it('exits 2 for a plugin spotrunner cannot drive, naming file and line', async () => {
    const result = await check(CONFIG.replace('PLUGIN', 'googlecloud'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /config-\w+\.toml:8: runners\[0\]\.autoscaler\.plugin: plugin "googlecloud" is not one spotrunner can drive/,
    );
    expect(result.stdout).not.toContain('OK');
  });

  it('exits 0 and says OK for the same file with the aws plugin', async () => {
    const result = await check(CONFIG.replace('PLUGIN', 'aws'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/OK \(1 runner\(s\), 0 warning\(s\)\)/);
  });

  it('says plainly that a file without runners gives run nothing to do', async () => {
    const result = await check('concurrent = 2\n');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('has no [[runners]] entries: `spotrunner run` refuses it');
  });
});

describe('spotrunner run', () => {
  it('refuses a file without runners with exit 2 instead of idling', async () => {
    const file = join(dir, 'empty.toml');
    await writeFile(file, 'concurrent = 2\n');
    // Before, run started with nothing to do and waited for a signal (killed here after 20 s).
    const result = await spotrunner(['run', '--config', file], 20_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/empty\.toml: no \[\[runners\]\] entries: nothing to run/);
  });
});
