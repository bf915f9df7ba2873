/**
 * Runs the real CLI (`node bin/spotrunner.js ARGS`) as a child process: collects its output,
 * lets a test send it signals when a line appears, and can run it as the unprivileged user
 * `nobody` (job scripts then never run as root) with a private TMPDIR and HOME.
 */
import { spawn } from 'node:child_process';
import { chmod, chown, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock } from '../../src/platform/clock.js';
import { REPO_ROOT } from './harness.js';

const clock = new SystemClock();

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** When the process exited (ms since the epoch). */
  exitedAtMs: number;
}

export interface CliOptions {
  /** Killed (SIGKILL) after this long; a bound, not a measurement. */
  timeoutMs?: number;
  /** Run as this user and group (e.g. `NOBODY`). */
  user?: { uid: number; gid: number };
  /** TMPDIR and HOME of the child; default the parent's HOME and TMPDIR unset. */
  home?: string;
}

export interface CliProcess {
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Sends a signal; returns when it was sent (ms since the epoch). */
  kill(signal: NodeJS.Signals): number;
  readonly done: Promise<CliRun>;
}

export const NOBODY = { uid: 65534, gid: 65534 } as const;

/** A fresh directory the child user owns, for its TMPDIR/HOME and data dirs. */
export async function privateDir(user?: { uid: number; gid: number }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spotrunner-cli-e2e-'));
  if (user) {
    await chown(dir, user.uid, user.gid);
    await chmod(dir, 0o700);
  }
  return dir;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  return startCli(args, options).done;
}

export function startCli(args: readonly string[], options: CliOptions = {}): CliProcess {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home ?? process.env.HOME ?? '/tmp',
    ...(options.home ? { TMPDIR: options.home } : {}),
  };
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/spotrunner.js'), ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: options.timeoutMs ?? 50_000,
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, exitedAtMs: clock.now() }));
  });
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    kill(signal: NodeJS.Signals): number {
      child.kill(signal);
      return clock.now();
    },
    done,
  };
}

/** Polls until `probe` returns a value (or throws after `timeoutMs`). */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const end = clock.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (clock.now() > end) throw new Error(`timed out waiting for ${what}`);
    await clock.sleep(200);
  }
}
