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
  const logger = deps.logger.child({ component: 'connection-pool' });
  const entries = new Map<string, Entry>();
  const dials = new Map<string, PendingDial>();
  const maxIdleMs = options.maxIdleMs ?? 0;
  let shutDown = false;

  const drop = async (id: string, entry: Entry, reason: string): Promise<void> => {
    entry.cancelIdle?.();
    if (entries.get(id) === entry) entries.delete(id);
    logger.debug({ instanceId: id, reason }, 'connection closed by pool');
    try {
      await entry.conn.close();
    } catch (err: unknown) {
      logger.warn({ instanceId: id, err: describeError(err) }, 'closing a connection failed');
    }
  };

  const touch = (id: string, entry: Entry): void => {
    entry.lastUsedMs = deps.clock.now();
    entry.cancelIdle?.();
    entry.cancelIdle = undefined;
    if (maxIdleMs <= 0 || entry.active > 0) return;
    entry.cancelIdle = deps.clock.schedule(maxIdleMs, () => {
      if (entry.active === 0 && entries.get(id) === entry) void drop(id, entry, 'idle');
    });
  };

  const startDial = (id: string, connectInfo: () => Promise<ConnectInfo>): PendingDial => {
    const controller = new AbortController();
    const promise = (async (): Promise<Entry> => {
      const info = await connectInfo();
      if (controller.signal.aborted) throw abortReason(controller.signal);
      const conn = await options.dial(info, controller.signal);
      const entry: Entry = { conn, handle: conn, active: 0, lastUsedMs: deps.clock.now() };
      entry.handle = trackUse(conn, {
        begin: () => {
          entry.active++;
          entry.cancelIdle?.();
        },
        end: () => {
          entry.active--;
          touch(id, entry);
        },
        close: () => drop(id, entry, 'closed by its user'),
      });
      if (shutDown) {
        await conn.close();
        throw poolClosed();
      }
      entries.set(id, entry);
      logger.debug({ instanceId: id }, 'connection dialed');
      return entry;
    })();
    const pending: PendingDial = { promise, controller, waiters: 0 };
    dials.set(id, pending);
    const forget = (): void => {
      if (dials.get(id) === pending) dials.delete(id);
    };
    promise.then(forget, forget);
    return pending;
  };

  return {
    async get(id, connectInfo, signal) {
      if (shutDown) throw poolClosed();
      if (signal?.aborted) throw abortReason(signal);
      const existing = entries.get(id);
      if (existing && !existing.conn.closed) {
        touch(id, existing);
        return existing.handle;
      }
      if (existing) await drop(id, existing, 'connection closed');
      const pending = dials.get(id) ?? startDial(id, connectInfo);
      pending.waiters++;
      try {
        const entry = await raceAbort(pending.promise, signal);
        touch(id, entry);
        return entry.handle;
      } finally {
        pending.waiters--;
        if (pending.waiters === 0 && signal?.aborted) {
          // Nobody waits any more: cancel the dial, and let the next get start a fresh one.
          pending.controller.abort(abortReason(signal));
          if (dials.get(id) === pending) dials.delete(id);
        }
      }
    },
    async invalidate(id) {
      const entry = entries.get(id);
      if (entry) await drop(id, entry, 'invalidated');
    },
    async closeAll() {
      shutDown = true;
      for (const pending of dials.values()) pending.controller.abort(poolClosed());
      await mapLimit([...entries], 16, ([id, entry]) => drop(id, entry, 'pool closed'));
    },
    openIds: () => [...entries].filter(([, e]) => !e.conn.closed).map(([id]) => id),
  };
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
