import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dialSsh } from '../../connect/dial-ssh.js';
import { generateEd25519KeyPair } from '../../connect/ssh-key-pair.js';
import { createHostKeyStore } from '../../connect/host-key-store.js';
import { SystemClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import type { ConnectInfo } from '../provider.js';
import { createLocalProvider, type LocalProvider } from './local-provider.js';

const clock = new SystemClock();
const deps = { clock, logger: silentLogger };
let provider: LocalProvider | undefined;
let dir: string | undefined;

afterEach(async () => {
  await provider?.shutdown();
  if (dir) await rm(dir, { recursive: true, force: true });
  provider = undefined;
  dir = undefined;
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function twoRunning(p: LocalProvider): Promise<string[]> {
  expect(await p.increase(2)).toBe(2);
  const deadline = clock.now() + 10_000;
  for (;;) {
    const running = (await p.update()).filter((i) => i.state === 'running').map((i) => i.id);
    if (running.length === 2) return running;
    if (clock.now() > deadline) throw new Error('instances did not start');
    await clock.sleep(20);
  }
}

/** What an EC2-style client knows: an address, a fixed port, a user and its own key. */
function ec2StyleInfo(local: ConnectInfo, username: string, privateKey: string): ConnectInfo {
  return {
    id: local.id,
    os: local.os,
    arch: local.arch,
    protocol: 'ssh',
    internalAddr: local.internalAddr,
    port: local.port,
    username,
    privateKey,
  };
}

describe('local instances with a fixed port and pushed keys', () => {
  it('listens on the same port on each instance address and accepts a pushed key until it expires', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-local-keys-'));
    const sshPort = await freePort();
    provider = createLocalProvider(deps, { dir, sshPort });
    await provider.init();
    const [a, b] = await twoRunning(provider);
    const [ia, ib] = await Promise.all([provider.connectInfo(a!), provider.connectInfo(b!)]);
    expect([ia.port, ib.port]).toEqual([sshPort, sshPort]);
    expect(ia.internalAddr).not.toBe(ib.internalAddr);

    const pair = generateEd25519KeyPair('pushed');
    const publicKey = pair.public.split(' ').slice(0, 2).join(' ');
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    const info = ec2StyleInfo(ia, 'ec2-user', pair.private);
    await expect(dialSsh(deps, info, { hostKeys })).rejects.toThrow();

    await provider.authorizeKey(a!, 'ec2-user', publicKey, 60_000);
    const conn = await dialSsh(deps, info, { hostKeys });
    let out = '';
    await conn.exec('pwd', { onStdout: (c) => (out += c.toString()) });
    expect(out.trim()).toBe(provider.instanceDir(a!));
    await conn.close();

    // The key was pushed for instance a only, and for one user only.
    await expect(
      dialSsh(deps, ec2StyleInfo(ib, 'ec2-user', pair.private), { hostKeys }),
    ).rejects.toThrow();
    await expect(
      dialSsh(deps, ec2StyleInfo(ia, 'admin', pair.private), { hostKeys }),
    ).rejects.toThrow();

    await provider.authorizeKey(b!, 'ec2-user', publicKey, 1);
    await clock.sleep(5);
    await expect(
      dialSsh(deps, ec2StyleInfo(ib, 'ec2-user', pair.private), { hostKeys }),
    ).rejects.toThrow();
  });
});
