/**
 * One connection per instance, reused across its jobs. Concurrent `get`s for an instance share
 * one dial; a connection that closed (server dropped it, keepalive gave up) is dialed again on
 * the next `get`, with ConnectInfo fetched afresh — credentials are never cached, so expired
 * ones (`expiresAtMs`, e.g. EC2 Instance Connect's 60 s keys) are never reused. A live
 * connection is kept past `expiresAtMs`: SSH authenticates only when it connects.
 */
import type { Duplex } from 'node:stream';
import type { ConnectInfo } from '../providers/provider.js';
import { abortReason } from '../platform/abort.js';
import type { Clock } from '../platform/clock.js';
import { SpotrunnerError, describeError } from '../platform/errors.js';
import { mapLimit } from '../platform/limiter.js';
import type { Logger } from '../platform/logger.js';
import type { ExecOptions, ExecResult, InstanceConnection } from './connection.js';

export interface ConnectionPool {
  /** A live connection to the instance, dialing (once, shared) when there is none. */
  get(
    instanceId: string,
    connectInfo: () => Promise<ConnectInfo>,
    signal?: AbortSignal,
  ): Promise<InstanceConnection>;
  /** Closes and forgets the instance's connection (e.g. the instance is being removed). */
  invalidate(instanceId: string): Promise<void>;
  /** Closes every connection and cancels pending dials; later `get`s fail. */
  closeAll(): Promise<void>;
  /** Ids of instances with an open pooled connection. */
  openIds(): string[];
}

export interface ConnectionPoolOptions {
  dial: (info: ConnectInfo, signal: AbortSignal) => Promise<InstanceConnection>;
  /** Close a connection with no command or stream in flight for this long; 0/absent = never. */
  maxIdleMs?: number;
}

interface Entry {
  conn: InstanceConnection;
  handle: InstanceConnection;
  active: number;
  lastUsedMs: number;
  cancelIdle?: () => void;
}

interface PendingDial {
  promise: Promise<Entry>;
  controller: AbortController;
  waiters: number;
}

export function createConnectionPool(
  deps: { clock: Clock; logger: Logger },
  options: ConnectionPoolOptions,
): ConnectionPool {
  return new Pool(deps, options);
}

class Pool implements ConnectionPool {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #dial: ConnectionPoolOptions['dial'];
  readonly #maxIdleMs: number;
  readonly #entries = new Map<string, Entry>();
  readonly #dials = new Map<string, PendingDial>();
  #shutDown = false;

  constructor(deps: { clock: Clock; logger: Logger }, options: ConnectionPoolOptions) {
    this.#clock = deps.clock;
    this.#logger = deps.logger.child({ component: 'connection-pool' });
    this.#dial = options.dial;
    this.#maxIdleMs = options.maxIdleMs ?? 0;
  }

  async get(
    id: string,
    connectInfo: () => Promise<ConnectInfo>,
    signal?: AbortSignal,
  ): Promise<InstanceConnection> {
    if (this.#shutDown) throw poolClosed();
    if (signal?.aborted) throw abortReason(signal);
    const existing = this.#entries.get(id);
    if (existing && !existing.conn.closed) {
      this.#touch(id, existing);
      return existing.handle;
    }
    if (existing) await this.#drop(id, existing, 'connection closed');
    const pending = this.#dials.get(id) ?? this.#startDial(id, connectInfo);
    pending.waiters++;
    try {
      const entry = await raceAbort(pending.promise, signal);
      this.#touch(id, entry);
      return entry.handle;
    } finally {
      pending.waiters--;
      if (pending.waiters === 0 && signal?.aborted) {
        // Nobody waits any more: cancel the dial, and let the next get start a fresh one.
        pending.controller.abort(abortReason(signal));
        if (this.#dials.get(id) === pending) this.#dials.delete(id);
      }
    }
  }

  async invalidate(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry) await this.#drop(id, entry, 'invalidated');
  }

  async closeAll(): Promise<void> {
    this.#shutDown = true;
    for (const pending of this.#dials.values()) pending.controller.abort(poolClosed());
    await mapLimit([...this.#entries], 16, ([id, entry]) => this.#drop(id, entry, 'pool closed'));
  }

  openIds(): string[] {
    return [...this.#entries].filter(([, e]) => !e.conn.closed).map(([id]) => id);
  }

  async #drop(id: string, entry: Entry, reason: string): Promise<void> {
    entry.cancelIdle?.();
    if (this.#entries.get(id) === entry) this.#entries.delete(id);
    this.#logger.debug({ instanceId: id, reason }, 'connection closed by pool');
    try {
      await entry.conn.close();
    } catch (err: unknown) {
      this.#logger.warn({ instanceId: id, err: describeError(err) }, 'closing a connection failed');
    }
  }

  #touch(id: string, entry: Entry): void {
    entry.lastUsedMs = this.#clock.now();
    entry.cancelIdle?.();
    entry.cancelIdle = undefined;
    if (this.#maxIdleMs <= 0 || entry.active > 0) return;
    entry.cancelIdle = this.#clock.schedule(this.#maxIdleMs, () => {
      if (entry.active === 0 && this.#entries.get(id) === entry) void this.#drop(id, entry, 'idle');
    });
  }

  #startDial(id: string, connectInfo: () => Promise<ConnectInfo>): PendingDial {
    const controller = new AbortController();
    const promise = this.#dialEntry(id, connectInfo, controller.signal);
    const pending: PendingDial = { promise, controller, waiters: 0 };
    this.#dials.set(id, pending);
    const forget = (): void => {
      if (this.#dials.get(id) === pending) this.#dials.delete(id);
    };
    promise.then(forget, forget);
    return pending;
  }

  async #dialEntry(
    id: string,
    connectInfo: () => Promise<ConnectInfo>,
    signal: AbortSignal,
  ): Promise<Entry> {
    const info = await connectInfo();
    if (signal.aborted) throw abortReason(signal);
    const conn = await this.#dial(info, signal);
    const entry: Entry = { conn, handle: conn, active: 0, lastUsedMs: this.#clock.now() };
    entry.handle = trackUse(conn, {
      begin: () => {
        entry.active++;
        entry.cancelIdle?.();
      },
      end: () => {
        entry.active--;
        this.#touch(id, entry);
      },
      close: () => this.#drop(id, entry, 'closed by its user'),
    });
    if (this.#shutDown) {
      await conn.close();
      throw poolClosed();
    }
    this.#entries.set(id, entry);
    this.#logger.debug({ instanceId: id }, 'connection dialed');
    return entry;
  }
}

function poolClosed(): SpotrunnerError {
  return new SpotrunnerError('state', 'connection pool is closed');
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

interface UseHooks {
  begin(): void;
  end(): void;
  close(): Promise<void>;
}

/** Wraps a connection so the pool knows when commands and streams are in flight. */
function trackUse(conn: InstanceConnection, hooks: UseHooks): InstanceConnection {
  const stream = async (open: () => Promise<Duplex>): Promise<Duplex> => {
    hooks.begin();
    let s: Duplex;
    try {
      s = await open();
    } catch (err: unknown) {
      hooks.end();
      throw err;
    }
    s.once('close', () => hooks.end());
    return s;
  };
  return {
    instanceId: conn.instanceId,
    get closed() {
      return conn.closed;
    },
    async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
      hooks.begin();
      try {
        return await conn.exec(command, options);
      } finally {
        hooks.end();
      }
    },
    openUnixSocket: (path: string) => stream(() => conn.openUnixSocket(path)),
    openTcp: (host: string, port: number) => stream(() => conn.openTcp(host, port)),
    close: () => hooks.close(),
  };
}
