import type net from 'node:net';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectInfo } from '../providers/provider.js';
import { SystemClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { generateTestKeyPair } from '../../test/support/ssh-keys.js';
import { dialSsh } from './dial-ssh.js';
import { createHostKeyStore } from './host-key-store.js';

// OpenSSH in the tests cannot check a password (no PAM, root has none), so a minimal ssh2
// server that accepts one user/password and answers every exec with "ok" stands in.
const host = generateTestKeyPair('password-host');
let server: ssh2.Server;
let port: number;

beforeAll(async () => {
  server = new ssh2.Server({ hostKeys: [host.privateKey] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === 'ci' && ctx.password === 's3cret') {
        ctx.accept();
      } else {
        ctx.reject(['password']);
      }
    });
    client.on('ready', () =>
      client.on('session', (accept) =>
        accept().on('exec', (acceptExec) => {
          const channel = acceptExec();
          channel.write('ok\n');
          channel.exit(0);
          channel.end();
        }),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function info(password: string): ConnectInfo {
  return {
    id: 'password-box',
    os: 'linux',
    arch: 'amd64',
    protocol: 'ssh',
    internalAddr: '127.0.0.1',
    port,
    username: 'ci',
    password,
    hostKey: host.publicKey,
  };
}

describe('password authentication', () => {
  it('logs in with the password from connect info', async () => {
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    const conn = await dialSsh({ clock: new SystemClock(), logger: silentLogger }, info('s3cret'), {
      hostKeys,
    });
    let out = '';
    expect(await conn.exec('anything', { onStdout: (c) => (out += c.toString()) })).toEqual({
      exitCode: 0,
    });
    expect(out).toBe('ok\n');
    await conn.close();
  });

  it('reports a wrong password as an authentication failure without the password', async () => {
    const hostKeys = await createHostKeyStore({ logger: silentLogger });
    const failing = dialSsh({ clock: new SystemClock(), logger: silentLogger }, info('wrong-pw'), {
      hostKeys,
    });
    await expect(failing).rejects.toMatchObject({ code: 'connect' });
    await expect(failing).rejects.toThrow(/authentication failed/);
    await expect(failing).rejects.not.toThrow(/wrong-pw/);
  });
});
