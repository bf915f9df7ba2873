/**
 * Process entry: builds the CLI context from the real process, runs the command, maps errors to
 * exit codes (user/config error → message, exit 2; bug → stack, exit 1), installs signal handlers.
 */
import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { createProgram } from '../cli/program.js';
import type { CliContext } from '../cli/cli-context.js';
import { isUserError } from '../platform/errors.js';
import { allCommands } from './commands.js';
import { readProcessEnv } from '../config/process-env.js';

type Sig = 'SIGINT' | 'SIGTERM' | 'SIGQUIT';

function readVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    ) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const ctx: CliContext = {
    env: readProcessEnv(),
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    version: readVersion(),
    isTTY: Boolean(process.stderr.isTTY),
    setExitCode: (code) => {
      exitCode = code;
    },
    onSignal: (handler) => {
      const sigs: Sig[] = ['SIGINT', 'SIGTERM', 'SIGQUIT'];
      const listeners = sigs.map((s) => [s, () => handler(s)] as const);
      for (const [s, l] of listeners) process.on(s, l);
      return () => {
        for (const [s, l] of listeners) process.off(s, l);
      };
    },
  };
  const program = createProgram(ctx, allCommands);
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err: unknown) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.exitCode === 0
        ? 0
        : 2;
    }
    if (isUserError(err)) {
      process.stderr.write(`spotrunner: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`spotrunner: internal error (a bug — please report it)\n`);
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

/**
 * Resolves once everything written to `stream` so far is handed to the OS. A pipe takes 64 KiB
 * at a time; process.exit before that would cut `plan --json | jq` short.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || !stream.writable) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('error', () => resolve()); // EPIPE: the reader is gone; nothing to wait for
    stream.write('', () => resolve());
  });
}

const code = await main(process.argv);
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
// Commands close what they opened; exit anyway so a stray handle cannot keep the process alive.
process.exit(code);
