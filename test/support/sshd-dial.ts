/**
 * Reaching a test sshd (test/support/sshd.ts) as spotrunner reaches an instance: ConnectInfo
 * with the server's client key and pinned host key, dialled by the product's own client
 * (`dialSsh`) with a fresh host key store.
 */
import { dialSsh } from '../../src/connect/dial-ssh.js';
import type { InstanceConnection } from '../../src/connect/connection.js';
import { createHostKeyStore } from '../../src/connect/host-key-store.js';
import { SystemClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import type { ConnectInfo } from '../../src/providers/provider.js';
import { startSshd, type StartSshdOptions, type TestSshd } from './sshd.js';

/** ConnectInfo that reaches `server` under instance id `id`; `extra` overrides any field. */
export function sshdConnectInfo(
  server: TestSshd,
  id: string,
  extra: Partial<ConnectInfo> = {},
): ConnectInfo {
  return {
    id,
    os: 'linux',
    arch: 'amd64',
    protocol: 'ssh',
    internalAddr: server.host,
    port: server.port,
    username: server.username,
    privateKey: server.privateKey,
    hostKey: server.hostKey,
    ...extra,
  };
}

/** Dials `info` with dialSsh, the system clock and a host key store of its own. */
export async function dialTestSsh(info: ConnectInfo): Promise<InstanceConnection> {
  const hostKeys = await createHostKeyStore({ logger: silentLogger });
  return dialSsh({ clock: new SystemClock(), logger: silentLogger }, info, { hostKeys });
}

export interface SshdConnection {
  sshd: TestSshd;
  conn: InstanceConnection;
}

/** Starts an sshd and dials it as instance `id`; stops the sshd again when the dial fails. */
export async function startSshdConnection(
  id: string,
  options?: StartSshdOptions,
): Promise<SshdConnection> {
  const sshd = await startSshd(options);
  try {
    return { sshd, conn: await dialTestSsh(sshdConnectInfo(sshd, id)) };
  } catch (err: unknown) {
    await sshd.stop();
    throw err;
  }
}
