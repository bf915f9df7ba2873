/**
 * What every command receives: the environment map (the only copy of the process environment,
 * made by config/process-env.ts and handed on to the config loader), output streams, the working
 * directory and the version.
 */
import type { Writable } from 'node:stream';

export interface CliContext {
  env: Readonly<Record<string, string | undefined>>;
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  version: string;
  /** Installs a handler for SIGINT/SIGTERM/SIGQUIT; returns the remover (app/ provides it). */
  onSignal: (handler: (signal: 'SIGINT' | 'SIGTERM' | 'SIGQUIT') => void) => () => void;
  /** Whether stderr is a terminal (progress bars, colours). */
  isTTY: boolean;
  /** The process exit code once the command returns (0 unless set). */
  setExitCode: (code: number) => void;
}

/** Writes one line to a stream. */
export function println(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}
