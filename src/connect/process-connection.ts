/**
 * The InstanceConnection port over local child processes: how `executor = "shell"` runs on the
 * manager itself, and how executor tests run without SSH. Each exec is `bash -c <command>` in
 * its own process group; aborting signals the whole group. With `processGroup` (Linux) the
 * command runs under the kill wrapper, as over SSH: its whole session dies on abort, and within
 * a second when the manager itself dies.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { SpotrunnerError } from '../platform/errors.js';
import type { ExecOptions, ExecResult, InstanceConnection } from './connection.js';
import { killWrappedCommand, wrapForKill } from './kill-wrapper.js';

export interface ProcessConnectionOptions {
  instanceId: string;
  /** Working directory of every command. */
  cwd: string;
  /** Environment of every command; the manager's own environment when omitted. */
  env?: Record<string, string>;
  /** Shell that runs `-c <command>`; default `bash`. */
  shell?: string;
}

export function createProcessConnection(options: ProcessConnectionOptions): InstanceConnection {
  const running = new Set<ChildProcess>();
  let closed = false;

  return {
    instanceId: options.instanceId,
    get closed(): boolean {
      return closed;
    },
    exec(command: string, execOptions: ExecOptions = {}): Promise<ExecResult> {
      if (closed) {
        return Promise.reject(new SpotrunnerError('connect', 'process connection is closed'));
      }
      return runProcess(options, command, execOptions, running);
    },
    openUnixSocket(path: string): Promise<Duplex> {
      return connectSocket(() => createConnection({ path }));
    },
    openTcp(host: string, port: number): Promise<Duplex> {
      return connectSocket(() => createConnection({ host, port }));
    },
    close(): Promise<void> {
      closed = true;
      for (const child of running) killGroup(child, 'SIGKILL');
      running.clear();
      return Promise.resolve();
    },
  };
}

function runProcess(
  options: ProcessConnectionOptions,
  command: string,
  execOptions: ExecOptions,
  running: Set<ChildProcess>,
): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    const { signal } = execOptions;
    if (signal?.aborted) {
      resolve({ exitCode: null, signal: execOptions.killSignal ?? 'KILL' });
      return;
    }
    const token =
      execOptions.processGroup && process.platform === 'linux'
        ? randomBytes(9).toString('base64url')
        : undefined;
    const line = token === undefined ? command : wrapForKill(command, token);
    const child = spawn(options.shell ?? 'bash', ['-c', line], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    let settled = false;
    const finish = (result: ExecResult | Error): void => {
      if (settled) return;
      settled = true;
      running.delete(child);
      signal?.removeEventListener('abort', onAbort);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onAbort = (): void => {
      const sig = execOptions.killSignal ?? 'KILL';
      killGroup(child, `SIG${sig}`);
      if (token !== undefined) killWrapped(token, sig);
      child.stdout?.destroy();
      child.stderr?.destroy();
      child.stdin?.destroy();
      finish({ exitCode: null, signal: sig });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout?.on('data', (chunk: Buffer) => execOptions.onStdout?.(chunk));
    child.stderr?.on('data', (chunk: Buffer) => execOptions.onStderr?.(chunk));
    child.on('error', (err: Error) =>
      finish(new SpotrunnerError('connect', `cannot run command: ${err.message}`, { cause: err })),
    );
    child.on('close', (code: number | null, sig: NodeJS.Signals | null) => {
      finish(
        code === null
          ? { exitCode: null, signal: (sig ?? 'KILL').replace(/^SIG/, '') }
          : { exitCode: code },
      );
    });
    feedStdin(child, execOptions.stdin);
  });
}

function feedStdin(child: ChildProcess, input: ExecOptions['stdin']): void {
  const stdin = child.stdin;
  if (!stdin) return;
  // A command that exits without reading its input makes the pipe fail; that is not our error.
  stdin.on('error', () => undefined);
  if (input === undefined) {
    stdin.end();
  } else if (typeof input === 'string' || Buffer.isBuffer(input)) {
    stdin.end(input);
  } else {
    input.pipe(stdin);
  }
}

/** Signals the session of a wrapped command (with KILL escalation), without waiting. */
function killWrapped(token: string, sig: 'TERM' | 'KILL' | 'INT'): void {
  const killer = spawn('sh', ['-c', killWrappedCommand(token, sig)], {
    detached: true,
    stdio: 'ignore',
  });
  killer.once('error', () => undefined); // no sh: the watchdog still ends the session
  killer.unref();
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // The group is already gone: nothing left to signal.
  }
}

function connectSocket(open: () => Socket): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = open();
    const onError = (err: Error): void => {
      reject(new SpotrunnerError('connect', `cannot open socket: ${err.message}`, { cause: err }));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
