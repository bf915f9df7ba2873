import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectInfo } from '../providers/provider.js';
import { SystemClock } from '../platform/clock.js';
import { SpotrunnerError } from '../platform/errors.js';
import { silentLogger } from '../platform/logger.js';
import { startSshd, type TestSshd } from '../../test/support/sshd.js';
import { generateTestKeyPair } from '../../test/support/ssh-keys.js';
import { sshdConnectInfo } from '../../test/support/sshd-dial.js';
import { startProxy, startSilentListener } from '../../test/support/ssh-proxy.js';
import { dialSsh } from './dial-ssh.js';
import { createHostKeyStore } from './host-key-store.js';

const clock = new SystemClock();
const deps = { clock, logger: silentLogger };
let sshd: TestSshd;

const infoFor = (server: TestSshd, extra: Partial<ConnectInfo> = {}): ConnectInfo =>
  sshdConnectInfo(server, 'sshd-failures', extra);

async function failure(promise: Promise<unknown>): Promise<SpotrunnerError> {
  try {
    await promise;
  } catch (err: unknown) {
    if (err instanceof SpotrunnerError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  sshd = await startSshd();
});

afterAll(async () => {
  await sshd?.stop();
});

describe('dialSsh failures', () => {
  it('times out against a listener that never speaks SSH', async () => {
    const silent = await startSilentListener();
    try {
      const hostKeys = await createHostKeyStore({ logger: silentLogger });
      const started = clock.now();
      const err = await failure(
        dialSsh(deps, infoFor(sshd, { port: silent.port, timeoutMs: 300 }), { hostKeys }),
      );
      expect(err.code).toBe('timeout');
      expect(err.retryable).toBe(true);
      expect(clock.now() - started).toBeLessThan(3_000);
    } finally {
      await silent.stop();
    }
  });

  it('reports a refused port as a retryable connect error', async () => {
    const silent = await startSilentListener();
    await silent.stop();
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    const err = await failure(dialSsh(deps, infoFor(sshd, { port: silent.port }), { hostKeys }));
    expect(err).toMatchObject({ code: 'connect', retryable: true });
  });

  it('reports a key the server does not accept as an authentication failure', async () => {
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    const stranger = generateTestKeyPair();
    const err = await failure(
      dialSsh(deps, infoFor(sshd, { privateKey: stranger.privateKey }), { hostKeys }),
    );
    expect(err.code).toBe('connect');
    expect(err.message).toMatch(/authentication failed/);
  });

  it('refuses to dial an instance without an address', async () => {
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    const err = await failure(
      dialSsh(deps, infoFor(sshd, { internalAddr: undefined }), { hostKeys }),
    );
    expect(err).toMatchObject({ code: 'connect', retryable: true });
  });

  it('stops dialing when aborted', async () => {
    const silent = await startSilentListener();
    try {
      const hostKeys = await createHostKeyStore({ logger: silentLogger });
      const controller = new AbortController();
      const dialing = dialSsh(deps, infoFor(sshd, { port: silent.port }), {
        hostKeys,
        signal: controller.signal,
      });
      controller.abort(new Error('job canceled'));
      await expect(dialing).rejects.toThrow('job canceled');
    } finally {
      await silent.stop();
    }
  });
});

describe('keepalive', () => {
  it('drops a connection whose peer went silent after about four keepalive intervals', async () => {
    const fast = await startProxy(sshd.host, sshd.port);
    const slow = await startProxy(sshd.host, sshd.port);
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    try {
      const quick = await dialSsh(deps, infoFor(sshd, { port: fast.port, keepaliveMs: 200 }), {
        hostKeys,
      });
      const patient = await dialSsh(deps, infoFor(sshd, { port: slow.port, keepaliveMs: 60_000 }), {
        hostKeys,
      });
      fast.blackhole();
      slow.blackhole();
      const started = clock.now();
      while (!quick.closed && clock.now() - started < 5_000) await clock.sleep(50);
      expect(quick.closed).toBe(true);
      expect(clock.now() - started).toBeLessThan(2_500);
      expect(patient.closed).toBe(false);
      await patient.close();
    } finally {
      await Promise.all([fast.stop(), slow.stop()]);
    }
  });
});
