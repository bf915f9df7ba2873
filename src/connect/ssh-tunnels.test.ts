import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSshd } from '../../test/support/sshd.js';
import { startSshdConnection } from '../../test/support/sshd-dial.js';
import {
  roundTrip,
  startTcpEchoServer,
  startUnixEchoServer,
  type EchoServer,
} from '../../test/support/ssh-echo.js';
import type { InstanceConnection } from './connection.js';

let sshd: TestSshd;
let conn: InstanceConnection;
let unixEcho: EchoServer;
let tcpEcho: EchoServer;

beforeAll(async () => {
  [{ sshd, conn }, unixEcho, tcpEcho] = await Promise.all([
    startSshdConnection('sshd-tunnels'),
    startUnixEchoServer(),
    startTcpEchoServer(),
  ]);
});

afterAll(async () => {
  await conn?.close();
  await Promise.all([sshd?.stop(), unixEcho?.stop(), tcpEcho?.stop()]);
});

describe('tunnels through OpenSSH', () => {
  it('reaches a unix socket on the instance (the Docker socket path)', async () => {
    const stream = await conn.openUnixSocket(unixEcho.address);
    expect(await roundTrip(stream, 'hello over streamlocal')).toBe('hello over streamlocal');
    stream.destroy();
    expect(unixEcho.connections()).toBe(1);
  });

  it('carries a large payload both ways through the unix socket', async () => {
    const stream = await conn.openUnixSocket(unixEcho.address);
    const payload = 'x'.repeat(2_000_000);
    expect((await roundTrip(stream, payload)).length).toBe(payload.length);
    stream.destroy();
  });

  it('reaches a TCP port as seen from the instance', async () => {
    const stream = await conn.openTcp('127.0.0.1', tcpEcho.port!);
    expect(await roundTrip(stream, 'hello over direct-tcpip')).toBe('hello over direct-tcpip');
    stream.destroy();
  });

  it('refuses a unix socket that does not exist with a connect error', async () => {
    await expect(conn.openUnixSocket('/nonexistent/docker.sock')).rejects.toMatchObject({
      code: 'connect',
    });
  });

  it('refuses a TCP port nobody listens on with a connect error', async () => {
    const closed = await startTcpEchoServer();
    await closed.stop();
    await expect(conn.openTcp('127.0.0.1', closed.port!)).rejects.toMatchObject({
      code: 'connect',
    });
  });
});
