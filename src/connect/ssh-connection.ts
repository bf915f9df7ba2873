/** InstanceConnection over one established ssh2 client. */
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import type { Clock } from '../platform/clock.js';
import { describeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { ExecOptions, ExecResult, InstanceConnection } from './connection.js';
import { runExec, type ExecContext } from './ssh-exec.js';
import { translateChannelError } from './ssh-errors.js';

/** How long `close()` waits for the server to acknowledge before dropping the socket. */
const CLOSE_TIMEOUT_MS = 3_000;

export class SshConnection implements InstanceConnection {
  readonly instanceId: string;
  readonly #client: Client;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #where: string;
  readonly #closedPromise: Promise<void>;
  #closed = false;

  constructor(
    deps: { clock: Clock; logger: Logger },
    client: Client,
    instanceId: string,
    where: string,
  ) {
    this.instanceId = instanceId;
    this.#client = client;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#where = where;
    client.on('error', (err: unknown) => {
      this.#logger.warn({ instanceId, err: describeError(err) }, 'ssh connection error');
    });
    this.#closedPromise = new Promise((resolve) => {
      client.once('close', () => {
        this.#closed = true;
        this.#logger.debug({ instanceId }, 'ssh connection closed');
        resolve();
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Resolves when the connection has closed, for whatever reason. */
  whenClosed(): Promise<void> {
    return this.#closedPromise;
  }

  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    const ctx: ExecContext = {
      client: this.#client,
      clock: this.#clock,
      logger: this.#logger,
      where: this.#where,
      isConnectionClosed: () => this.#closed,
    };
    return runExec(ctx, command, options);
  }

  openUnixSocket(path: string): Promise<Duplex> {
    return this.#open(`unix socket ${path}`, (cb) =>
      this.#client.openssh_forwardOutStreamLocal(path, cb),
    );
  }

  openTcp(host: string, port: number): Promise<Duplex> {
    return this.#open(`tcp ${host}:${port}`, (cb) =>
      this.#client.forwardOut('127.0.0.1', 0, host, port, cb),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#client.end();
    const cancel = this.#clock.schedule(CLOSE_TIMEOUT_MS, () => this.#client.destroy());
    await this.#closedPromise;
    cancel();
  }

  #open(
    what: string,
    start: (cb: (err: Error | undefined, channel: ClientChannel) => void) => void,
  ): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      try {
        start((err, channel) => {
          if (err) reject(translateChannelError(err, what, this.#where));
          else resolve(channel);
        });
      } catch (err: unknown) {
        reject(translateChannelError(err, what, this.#where));
      }
    });
  }
}
