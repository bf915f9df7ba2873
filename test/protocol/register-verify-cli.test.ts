/** `spotrunner register` and `spotrunner verify` against the embedded server, through the CLI program. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/cli-context.js';
import { registerRegisterCommand } from '../../src/cli/commands/register.js';
import { registerVerifyCommand } from '../../src/cli/commands/verify.js';
import { registerConfigCommand } from '../../src/cli/commands/config.js';
import { loadConfig } from '../../src/config/index.js';
import { SystemClock } from '../../src/platform/clock.js';
import { MemoryLogger } from '../../src/platform/logger.js';
import { createSandboxServer, type SandboxServer } from '../../src/sandbox/index.js';

let dir: string;
let server: SandboxServer;
let url: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spotrunner-cli-'));
  server = createSandboxServer(
    { clock: new SystemClock(), logger: new MemoryLogger() },
    { dataDir: join(dir, 'gitlab') },
  );
  url = (await server.start()).url;
});
afterEach(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  let code = 0;
  const ctx: CliContext = {
    env: {},
    stdout,
    stderr,
    cwd: dir,
    version: '0.1.0-test',
    isTTY: false,
    setExitCode: (c) => (code = c),
    onSignal: () => () => undefined,
  };
  const program = createProgram(ctx, [
    registerRegisterCommand,
    (p, c) => registerVerifyCommand(p, c),
    registerConfigCommand,
  ]);
  await program.parseAsync(['node', 'spotrunner', ...args]);
  return { code, out, err };
}

describe('register and verify commands', () => {
  it('registers with a legacy token, keeps the rest of the file, and verifies the result', async () => {
    const file = join(dir, 'config.toml');
    await writeFile(
      file,
      '# my fleet\nconcurrent = 3\n\n[[runners]]\n  name = "other"\n  url = "https://example.invalid"\n  token = "glrt-keepme-0000000000"\n  executor = "shell"\n',
    );
    const res = await run([
      'register',
      '-n',
      '--config',
      file,
      '--url',
      url,
      '--registration-token',
      server.registrationToken,
      '--name',
      'spot',
      '--executor',
      'instance',
      '--tag-list',
      'arm,spot',
    ]);
    expect(res.out).toMatch(/Runner "spot" registered \(id \d+, legacy flow\)/);
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('# my fleet\nconcurrent = 3\n\n[[runners]]\n  name = "other"')).toBe(
      true,
    );
    const { config } = await loadConfig(file, { env: {} });
    const spot = config.runners.find((r) => r.name === 'spot')!;
    expect(spot).toMatchObject({ url, executor: 'instance' });
    expect(spot.autoscaler?.providerKind).toBe('local');
    expect(server.runners().some((r) => r.description === 'spot' && r.tags.includes('arm'))).toBe(
      true,
    );
    const verify = await run(['verify', '--config', file, '--runner', 'spot']);
    expect(verify.code).toBe(0);
    expect(verify.out).toMatch(/✓ runner "spot" .* is valid/);
    expect(verify.out).not.toContain(spot.token);
  });

  it('registers a runner created in GitLab (glrt- token) through verify', async () => {
    const created = server.createRunner({ description: 'made in the UI' });
    const file = join(dir, 'new.toml');
    const res = await run([
      'register',
      '-n',
      '--config',
      file,
      '--url',
      url,
      '--token',
      created.token,
      '--executor',
      'docker-autoscaler',
      '--plugin',
      'aws',
    ]);
    expect(res.out).toContain('verify flow');
    const text = await readFile(file, 'utf8');
    expect(text).toContain(`token = "${created.token}"`);
    expect(text).toContain('plugin = "aws"');
  });

  it('exits non-zero when a runner token is not valid', async () => {
    const file = join(dir, 'bad.toml');
    await writeFile(
      file,
      `[[runners]]\n  name = "gone"\n  url = "${url}"\n  token = "glrt-deleted-runner-000000"\n  executor = "shell"\n`,
    );
    const res = await run(['verify', '--config', file]);
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/✗ runner "gone" .* is not valid/);
  });

  it('refuses to register without the required answers when non-interactive', async () => {
    await expect(
      run(['register', '-n', '--config', join(dir, 'x.toml'), '--url', url]),
    ).rejects.toThrow('--token (or --registration-token) is required');
  });
});
