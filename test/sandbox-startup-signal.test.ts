/**
 * `spotrunner sandbox` stopped by SIGTERM before its runner runs: when the runner cannot start
 * (it is retried in the background) and while the manager is starting. The process must exit
 * with 143, say so, and remove the temp data dir it made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Generous: startup through tsx is slow on a shared machine; a hang never ends. */
const EXIT_WAIT_MS = 45_000;

interface Cli {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code, or undefined when the process is still running after waitMs. */
  exited: (waitMs: number) => Promise<number | null | undefined>;
}

const started: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  // The CLI runs in its own process group: whatever of it is left goes with the group.
  for (const child of started.splice(0)) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

function startCli(args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [join(ROOT, 'bin/spotrunner.js'), 'sandbox', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited: (waitMs) =>
      Promise.race([done, new Promise<undefined>((r) => setTimeout(() => r(undefined), waitMs))]),
  };
}

async function waitForOutput(cli: Cli, text: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (cli.output().includes(text)) return;
    if (cli.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sandbox never printed "${text}":\n${cli.output()}`);
}

describe('sandbox stopped before its runner runs', () => {
  it('exits on SIGTERM when its runner cannot start', async () => {
    // The local provider's instance dir is a file: the runner fails to start and is retried.
    const dataDir = tempDir('spotrunner-sbx-signal-');
    writeFileSync(join(dataDir, 'instances'), 'not a directory\n');

    const cli = startCli(['--data-dir', dataDir, '--no-wait-scale-down']);
    await waitForOutput(cli, 'runner failed to start');
    await waitForOutput(cli, 'pipeline #1');
    cli.child.kill('SIGTERM');
    const code = await cli.exited(EXIT_WAIT_MS);

    expect(code, cli.output()).toBe(143);
    expect(cli.output()).toContain('sandbox: pipeline canceled (interrupted)');
    expect(cli.output()).toMatch(/sandbox: stopped [\d.]+s after SIGTERM/);
    expect(existsSync(join(dataDir, 'config.toml'))).toBe(true); // --data-dir is kept
  });

  it('exits on SIGTERM while the manager starts, and removes its temp data dir', async () => {
    const tmp = tempDir('spotrunner-sbx-tmp-');
    const cli = startCli(['--no-wait-scale-down'], { TMPDIR: tmp });
    await waitForOutput(cli, 'on local instances');
    const sandboxDirs = (): string[] =>
      readdirSync(tmp).filter((n) => n.startsWith('spotrunner-sandbox-'));
    expect(sandboxDirs()).toHaveLength(1);
    cli.child.kill('SIGTERM');
    const code = await cli.exited(EXIT_WAIT_MS);

    expect(code, cli.output()).toBe(143);
    expect(cli.output()).toMatch(/sandbox: removed .*spotrunner-sandbox-/);
    expect(cli.output()).toMatch(/sandbox: stopped [\d.]+s after SIGTERM/);
    expect(sandboxDirs()).toEqual([]);
  });
});
