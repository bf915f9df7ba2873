/**
 * One SSH session on a local instance: `env` requests, then `exec` (or `shell`) runs
 * `<shell> -c <command>` as a new process group in the instance directory; `signal` requests
 * and closing the channel kill that group; exit status or signal is reported back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { ServerChannel, Session } from 'ssh2';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { signalGroup, toNodeSignal, type ProcessSet } from './local-processes.js';

export interface SessionContext {
  /** Working directory and HOME. */
  dir: string;
  shell: string;
  /** Base environment of every command (HOME, USER, PATH, …). */
  env: Readonly<Record<string, string>>;
  /** Who the command runs as; the manager's own user when omitted. */
  runAs?: { uid: number; gid: number };
  processes: ProcessSet;
  logger: Logger;
}

export function handleSession(ctx: SessionContext, session: Session): void {
  const env: Record<string, string> = {};
  let child: ChildProcess | undefined;

  session.on('env', (accept, _reject, info) => {
    env[info.key] = info.val;
    accept?.();
  });
  session.on('pty', (_accept, reject) => reject?.());
  session.on('signal', (accept, reject, info) => {
    const signal = toNodeSignal(info.name);
    if (!signal || !child) {
      reject?.();
      return;
    }
    signalGroup(child, signal);
    accept?.();
  });
  const start = (channel: ServerChannel, command: string | undefined): void => {
    child = runCommand(ctx, channel, command, env);
  };
  session.on('exec', (accept, _reject, info) => start(accept(), info.command));
  session.on('shell', (accept) => start(accept(), undefined));
}

function runCommand(
  ctx: SessionContext,
  channel: ServerChannel,
  command: string | undefined,
  sessionEnv: Record<string, string>,
): ChildProcess {
  const args = command === undefined ? ['-s'] : ['-c', command];
  const env = { ...ctx.env, ...sessionEnv };
  // The instance id marks every process of the instance (teardown finds them by it).
  const marker = ctx.env.SPOTRUNNER_INSTANCE_ID;
  if (marker !== undefined) env.SPOTRUNNER_INSTANCE_ID = marker;
  const child = spawn(ctx.shell, args, {
    cwd: ctx.dir,
    env,
    ...(ctx.runAs ? { uid: ctx.runAs.uid, gid: ctx.runAs.gid } : {}),
    detached: true, // its own process group, so signals reach every child it starts
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  ctx.processes.add(child);
  child.stdin.on('error', (err: unknown) => {
    ctx.logger.debug({ err: describeError(err) }, 'command stdin closed early');
  });
  channel.pipe(child.stdin);
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });

  let reported = false;
  child.once('error', (err: unknown) => {
    ctx.logger.warn({ err: describeError(err), shell: ctx.shell }, 'cannot start command');
    channel.stderr.write(
      `spotrunner local instance: cannot start ${ctx.shell}: ${describeError(err)}\n`,
    );
    finish(127, null);
  });
  child.once('close', (code, signal) => finish(code, signal));
  channel.once('close', () => {
    // The channel is gone (done, aborted, client lost): nothing of this command may keep running.
    if (signalGroup(child, 'SIGKILL', true)) {
      ctx.logger.debug({ pid: child.pid }, 'process group killed on channel close');
    }
  });

  function finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (reported) return;
    reported = true;
    if (signal !== null) channel.exit(signal.replace(/^SIG/, ''), false, '');
    else channel.exit(code ?? 255);
    channel.end();
  }
  return child;
}
