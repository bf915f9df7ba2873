/** `exec` over one ssh2 client: streamed output, stdin, exit status, abort that really kills. */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { abortReason } from '../platform/abort.js';
import type { Clock } from '../platform/clock.js';
import { SpotrunnerError, describeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { ExecOptions, ExecResult } from './connection.js';
import { killWrappedCommand, wrapForKill } from './kill-wrapper.js';
import { translateChannelError } from './ssh-errors.js';

/** How long abort waits for the remote kill command, and then for the channel to close. */
export const ABORT_STEP_TIMEOUT_MS = 5_000;

export interface ExecContext {
  client: Client;
  clock: Clock;
  logger: Logger;
  /** `user@host:port (instance id)`, for messages. */
  where: string;
  isConnectionClosed(): boolean;
}

/**
 * Opens an exec channel. `attach` runs inside ssh2's callback, before any later packet of the
 * same read is parsed: a short command's exit status can arrive in the very TCP chunk that
 * confirms the channel, and ssh2 emits `exit` at once, so a listener added after an `await`
 * would miss it.
 */
export function openExecChannel(
  ctx: ExecContext,
  command: string,
  attach?: (channel: ClientChannel) => void,
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      ctx.client.exec(command, (err, channel) => {
        if (err) {
          reject(translateChannelError(err, 'an exec channel', ctx.where));
          return;
        }
        attach?.(channel);
        resolve(channel);
      });
    } catch (err: unknown) {
      reject(translateChannelError(err, 'an exec channel', ctx.where));
    }
  });
}

/**
 * Runs `command` and resolves with its exit status once the channel closes. Rejects with the
 * abort reason when `options.signal` aborts (after signalling and closing the channel), and with
 * a retryable `connect` error when the connection is lost before an exit status arrived.
 */
export async function runExec(
  ctx: ExecContext,
  command: string,
  options: ExecOptions = {},
): Promise<ExecResult> {
  const { signal } = options;
  if (signal?.aborted) throw abortReason(signal);
  const token = options.processGroup ? randomBytes(9).toString('base64url') : undefined;
  let exit: ExecResult | undefined;
  let aborted = false;
  let markClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const channel = await openExecChannel(
    ctx,
    token === undefined ? command : wrapForKill(command, token),
    (opened) => {
      opened.on('data', (chunk: Buffer) => options.onStdout?.(chunk));
      opened.stderr.on('data', (chunk: Buffer) => options.onStderr?.(chunk));
      opened.on('exit', (code: number | null, signalName?: string) => {
        exit =
          code !== null && code !== undefined
            ? { exitCode: code }
            : { exitCode: null, signal: signalName?.replace(/^SIG/, '') };
      });
      opened.once('close', () => markClosed());
    },
  );
  feedStdin(ctx, channel, options.stdin);

  const onAbort = (): void => {
    aborted = true;
    void abortChannel(ctx, channel, options.killSignal ?? 'KILL', token).then(() => {
      // A server that never confirms the close must not hang the caller.
      ctx.clock.schedule(ABORT_STEP_TIMEOUT_MS, markClosed);
    });
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await closed;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (aborted) throw abortReason(signal);
  if (exit === undefined && ctx.isConnectionClosed()) {
    throw new SpotrunnerError(
      'connect',
      `connection to ${ctx.where} lost while running a command`,
      {
        retryable: true,
      },
    );
  }
  return exit ?? { exitCode: null };
}

function feedStdin(ctx: ExecContext, channel: ClientChannel, stdin: ExecOptions['stdin']): void {
  if (stdin === undefined) {
    channel.end();
    return;
  }
  if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) {
    channel.end(stdin);
    return;
  }
  const source: Readable = stdin;
  source.once('error', (err: unknown) => {
    ctx.logger.warn({ err: describeError(err) }, 'exec stdin stream failed; closing stdin');
    channel.end();
  });
  source.pipe(channel);
}

/**
 * Sends the SSH `signal` request, runs the pid-file kill for wrapped commands (sshd ignores
 * `signal` for root), then closes the channel. Never throws: every failure is logged.
 */
async function abortChannel(
  ctx: ExecContext,
  channel: ClientChannel,
  killSignal: 'TERM' | 'KILL' | 'INT',
  token: string | undefined,
): Promise<void> {
  try {
    sendSignal(channel, killSignal);
  } catch (err: unknown) {
    ctx.logger.debug({ err: describeError(err) }, 'ssh signal request not sent');
  }
  if (token !== undefined && !ctx.isConnectionClosed()) {
    try {
      await runKillCommand(ctx, killWrappedCommand(token, killSignal));
    } catch (err: unknown) {
      ctx.logger.warn(
        { err: describeError(err), where: ctx.where },
        'cannot kill the process group of an aborted command; its watchdog will',
      );
    }
  }
  channel.close();
}

interface ChannelInternals {
  type?: string;
  outgoing?: { id: number; state: string };
  _client?: { _protocol?: { signal(id: number, name: string): void } };
}

/**
 * ssh2's `channel.signal()` silently does nothing once we have sent EOF on stdin (it checks
 * `writable`), which is the normal case here; the request is valid until the channel closes,
 * so send it through the protocol object as `signal()` itself does.
 */
function sendSignal(channel: ClientChannel, name: string): void {
  const internals = channel as unknown as ChannelInternals;
  const protocol = internals._client?._protocol;
  const outgoing = internals.outgoing;
  const usable = outgoing !== undefined && (outgoing.state === 'open' || outgoing.state === 'eof');
  if (internals.type !== 'session' || !usable || !protocol) {
    channel.signal(name);
    return;
  }
  protocol.signal(outgoing.id, name);
}

async function runKillCommand(ctx: ExecContext, command: string): Promise<void> {
  let markClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  const channel = await openExecChannel(ctx, command, (opened) => {
    opened.once('close', () => markClosed());
  });
  channel.resume();
  channel.stderr.resume();
  channel.end();
  let timedOut = false;
  const cancel = ctx.clock.schedule(ABORT_STEP_TIMEOUT_MS, () => {
    timedOut = true;
    channel.close();
    markClosed();
  });
  await closed;
  cancel();
  if (timedOut) throw new SpotrunnerError('timeout', 'remote kill command did not finish');
}
