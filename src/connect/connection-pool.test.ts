import { PassThrough, type Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectInfo } from '../providers/provider.js';
import { SystemClock, VirtualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { startSshd, type TestSshd } from '../../test/support/sshd.js';
import { sshdConnectInfo } from '../../test/support/sshd-dial.js';
import type { ExecResult, InstanceConnection } from './connection.js';
import { createConnectionPool } from './connection-pool.js';
import { dialSsh } from './dial-ssh.js';
import { createHostKeyStore, type HostKeyStore } from './host-key-store.js';

const clock = new SystemClock();
let sshd: TestSshd;
let hostKeys: HostKeyStore;

beforeAll(async () => {
  sshd = await startSshd();
  hostKeys = await createHostKeyStore({ logger: silentLogger });
});

afterAll(async () => {
  await sshd?.stop();
});

function realPool(): { pool: ReturnType<typeof createConnectionPool>; dials: () => number } {
  let dials = 0;
  const pool = createConnectionPool(
    { clock, logger: silentLogger },
    {
      dial: (info, signal) => {
        dials++;
        return dialSsh({ clock, logger: silentLogger }, info, { hostKeys, signal });
      },
    },
  );
  return { pool, dials: () => dials };
}

const sshdInfo = (): Promise<ConnectInfo> => Promise.resolve(sshdConnectInfo(sshd, 'pooled'));

describe('connection pool over OpenSSH', () => {
  it('reuses one connection for sequential jobs of an instance', async () => {
    const { pool, dials } = realPool();
    const a = await pool.get('pooled', sshdInfo);
    expect((await a.exec('true')).exitCode).toBe(0);
    const b = await pool.get('pooled', sshdInfo);
    expect((await b.exec('true')).exitCode).toBe(0);
    expect(b).toBe(a);
    expect(dials()).toBe(1);
    await pool.closeAll();
  });

  it('shares one dial between concurrent gets', async () => {
    const { pool, dials } = realPool();
    const conns = await Promise.all([1, 2, 3, 4, 5].map(() => pool.get('pooled', sshdInfo)));
    expect(new Set(conns).size).toBe(1);
    expect(dials()).toBe(1);
    const results = await Promise.all(conns.map((c) => c.exec('exit 3')));
    expect(results.map((r) => r.exitCode)).toEqual([3, 3, 3, 3, 3]);
    await pool.closeAll();
  });

  it('dials again, with fresh connect info, after the server dropped the connection', async () => {
    const { pool, dials } = realPool();
    let infoCalls = 0;
    const info = (): Promise<ConnectInfo> => {
      infoCalls++;
      return sshdInfo();
    };
    const first = await pool.get('pooled', info);
    // Kill this connection's sshd session process: the server side goes away.
    await first.exec('kill -KILL $PPID').catch(() => undefined);
    while (!first.closed) await clock.sleep(20);
    const second = await pool.get('pooled', info);
    expect(second).not.toBe(first);
    expect((await second.exec('echo ok')).exitCode).toBe(0);
    expect(dials()).toBe(2);
    expect(infoCalls).toBe(2);
    await pool.closeAll();
  });

  it('closes everything on closeAll and refuses later gets', async () => {
    const { pool } = realPool();
    const conn = await pool.get('pooled', sshdInfo);
    expect(pool.openIds()).toEqual(['pooled']);
    await pool.closeAll();
    expect(conn.closed).toBe(true);
    await expect(pool.get('pooled', sshdInfo)).rejects.toMatchObject({ code: 'state' });
  });
});

/** A connection whose commands finish when the test says so. */
function fakeConnection(id: string): InstanceConnection & { finish(): void } {
  let closed = false;
  let finish = (): void => undefined;
  return {
    instanceId: id,
    get closed() {
      return closed;
    },
    exec: () =>
      new Promise<ExecResult>((resolve) => {
        finish = () => resolve({ exitCode: 0 });
      }),
    openUnixSocket: (): Promise<Duplex> => Promise.resolve(new PassThrough()),
    openTcp: (): Promise<Duplex> => Promise.resolve(new PassThrough()),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
    finish: () => finish(),
  };
}

const fakeInfo = (id: string) => (): Promise<ConnectInfo> =>
  Promise.resolve({ id, os: 'linux', arch: 'amd64', protocol: 'ssh', port: 22, username: 'u' });

describe('connection pool bookkeeping', () => {
  it('closes a connection idle for maxIdleMs, but not while a command runs on it', async () => {
    const vclock = new VirtualClock();
    const made: ReturnType<typeof fakeConnection>[] = [];
    const pool = createConnectionPool(
      { clock: vclock, logger: silentLogger },
      {
        maxIdleMs: 60_000,
        dial: (info) => {
          const c = fakeConnection(info.id);
          made.push(c);
          return Promise.resolve(c);
        },
      },
    );
    const conn = await pool.get('i-1', fakeInfo('i-1'));
    const running = conn.exec('long job');
    await vclock.advance(120_000);
    expect(made[0]!.closed).toBe(false);
    made[0]!.finish();
    await running;
    await vclock.advance(59_000);
    expect(made[0]!.closed).toBe(false);
    await vclock.advance(1_000);
    expect(made[0]!.closed).toBe(true);
    expect(pool.openIds()).toEqual([]);
  });

  it('keeps a connection with an open tunnel stream', async () => {
    const vclock = new VirtualClock();
    const made: ReturnType<typeof fakeConnection>[] = [];
    const pool = createConnectionPool(
      { clock: vclock, logger: silentLogger },
      {
        maxIdleMs: 1_000,
        dial: (info) => {
          const c = fakeConnection(info.id);
          made.push(c);
          return Promise.resolve(c);
        },
      },
    );
    const stream = await (await pool.get('i-1', fakeInfo('i-1'))).openUnixSocket('/d.sock');
    await vclock.advance(5_000);
    expect(made[0]!.closed).toBe(false);
    stream.destroy();
    await vclock.advance(1_000);
    expect(made[0]!.closed).toBe(true);
  });

  it('passes a dial failure to every waiter and dials again on the next get', async () => {
    let attempts = 0;
    const pool = createConnectionPool(
      { clock: new VirtualClock(), logger: silentLogger },
      {
        dial: (info) => {
          attempts++;
          return attempts === 1
            ? Promise.reject(new Error('boom'))
            : Promise.resolve(fakeConnection(info.id));
        },
      },
    );
    const results = await Promise.allSettled([
      pool.get('i-1', fakeInfo('i-1')),
      pool.get('i-1', fakeInfo('i-1')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(pool.get('i-1', fakeInfo('i-1'))).resolves.toBeDefined();
    expect(attempts).toBe(2);
  });

  it('cancels a shared dial only when every waiter gave up', async () => {
    const signals: AbortSignal[] = [];
    const pool = createConnectionPool(
      { clock: new VirtualClock(), logger: silentLogger },
      {
        dial: (_info, signal) => {
          signals.push(signal);
          return new Promise<InstanceConnection>((_resolve, reject) =>
            signal.addEventListener('abort', () => reject(new Error('dial aborted'))),
          );
        },
      },
    );
    const a = new AbortController();
    const b = new AbortController();
    const first = pool.get('i-1', fakeInfo('i-1'), a.signal);
    const second = pool.get('i-1', fakeInfo('i-1'), b.signal);
    await new VirtualClock().advance(0);
    a.abort();
    await expect(first).rejects.toThrow();
    expect(signals[0]!.aborted).toBe(false);
    b.abort();
    await expect(second).rejects.toThrow();
    expect(signals[0]!.aborted).toBe(true);
  });
});
