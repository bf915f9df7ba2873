/** A CliContext for tests that run commands in-process and read what they print. */
import { PassThrough } from 'node:stream';
import type { CliContext } from '../cli-context.js';

export interface CapturedCli {
  ctx: CliContext;
  /** What was written to stdout (and stderr, with `mergeStderr`). */
  out(): string;
  /** What was written to stderr (empty with `mergeStderr`). */
  err(): string;
  /** The exit code a command set (0 until one does). */
  code(): number;
}

export function captureCli(
  options: { cwd?: string; version?: string; mergeStderr?: boolean } = {},
): CapturedCli {
  const stdout = new PassThrough();
  const stderr = options.mergeStderr ? stdout : new PassThrough();
  let out = '';
  let err = '';
  let code = 0;
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  if (stderr !== stdout) stderr.on('data', (c: Buffer) => (err += c.toString()));
  const ctx: CliContext = {
    env: {},
    stdout,
    stderr,
    cwd: options.cwd ?? '/',
    version: options.version ?? 'test',
    isTTY: false,
    onSignal: () => () => undefined,
    setExitCode: (c) => {
      code = c;
    },
  };
  return { ctx, out: () => out, err: () => err, code: () => code };
}
