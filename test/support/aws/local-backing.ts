/**
 * Real `local` provider instances behind the AWS double: each EC2 instance the double launches
 * is an ssh2 endpoint on its own 127.0.0.x address with its own directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SystemClock } from '../../../src/platform/clock.js';
import { silentLogger } from '../../../src/platform/logger.js';
import { createLocalProvider, type LocalProvider } from '../../../src/providers/local/index.js';
import type { ConnectInfo } from '../../../src/providers/provider.js';
import type { AwsDoubleBacking } from './double-model.js';

export interface LocalBacking extends AwsDoubleBacking {
  local: LocalProvider;
  /** The local provider's own ConnectInfo (its client key, port and pinned host key). */
  localConnectInfo(backingId: string): Promise<ConnectInfo>;
  stop(): Promise<void>;
}

type KeyAccepting = {
  authorizeKey(id: string, username: string, publicKey: string, ttlMs: number): Promise<void>;
};

function acceptsKeys(p: object): p is KeyAccepting {
  return typeof (p as Partial<KeyAccepting>).authorizeKey === 'function';
}

export interface LocalBackingOptions {
  maxInstances?: number;
  bootDelayMs?: number;
  /**
   * One SSH port for every instance (each on its own 127.0.0.x), so that an EC2-style
   * ConnectInfo (address + `protocol_port`) reaches it; default a port per instance.
   */
  sshPort?: number;
  /** First host number of the instances' 127.0.0.x addresses (default 2). */
  firstHost?: number;
}

export async function startLocalBacking(options: LocalBackingOptions = {}): Promise<LocalBacking> {
  const dir = await mkdtemp(path.join(tmpdir(), 'spotrunner-aws-local-'));
  const local = createLocalProvider(
    { clock: new SystemClock(), logger: silentLogger },
    {
      dir,
      maxInstances: options.maxInstances ?? 8,
      bootDelayMs: options.bootDelayMs ?? 0,
      ...(options.sshPort ? { sshPort: options.sshPort } : {}),
      ...(options.firstHost ? { firstHost: options.firstHost } : {}),
    },
  );
  await local.init();
  const backing: LocalBacking = {
    local,
    increase: (n) => local.increase(n),
    decrease: (ids) => local.decrease(ids),
    update: () => local.update(),
    connectInfo: (id) => local.connectInfo(id),
    localConnectInfo: (id) => local.connectInfo(id),
    async stop() {
      await local.shutdown();
      await rm(dir, { recursive: true, force: true });
    },
  };
  // EC2 Instance Connect: a key pushed through the double is accepted by the local instance.
  if (acceptsKeys(local))
    backing.authorizeKey = (id, user, key, ttl) => local.authorizeKey(id, user, key, ttl);
  return backing;
}
