/**
 * The local provider: instances created on demand on this machine, each an SSH endpoint (ssh2
 * Server, no sshd needed) on its own loopback address with its own working directory, created
 * and removed through the Provider port like cloud instances: creating → running (after
 * bootDelayMs) → deleting → gone. Removal kills everything the instance ran and deletes its
 * directory. Jobs run as the manager's user, or as an unprivileged user when the manager is root
 * (local-user.ts). At init, instances left by a manager that died are removed (local-leftovers.ts).
 */
import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm } from 'node:fs/promises';
import { arch as osArch, platform } from 'node:os';
import path from 'node:path';
import type { Clock } from '../../platform/clock.js';
import { SpotrunnerError, describeError } from '../../platform/errors.js';
import { mapLimit } from '../../platform/limiter.js';
import type { Logger } from '../../platform/logger.js';
import type {
  ConnectInfo,
  InstanceInfo,
  InstanceState,
  Provider,
  ProviderInfo,
} from '../provider.js';
import {
  DEFAULT_LOCAL_MAX_INSTANCES,
  DEFAULT_LOCAL_PATH,
  type LocalProviderOptions,
} from './local-options.js';
import { reapEarlierRuns, removeOwnerRecord, writeOwnerRecord } from './local-leftovers.js';
import { startLocalSshServer, type LocalSshServer } from './local-ssh-server.js';
import { openDirToJobUser, resolveLocalJobUser, type LocalJobUser } from './local-user.js';
import { generateEd25519KeyPair } from '../../connect/ssh-key-pair.js';

export interface LocalProvider extends Provider {
  /** The working directory (and HOME) of an instance, while it exists. */
  instanceDir(id: string): string | undefined;
  /** Pids of the process groups an instance runs right now. */
  processPids(id: string): number[];
  /** Who runs the commands of every instance (known after init). */
  jobUser(): LocalJobUser | undefined;
  /**
   * Lets `publicKey` log in as `username` for `ttlMs` (EC2 Instance Connect's SendSSHPublicKey,
   * as the AWS double forwards it). Rejects when the instance is not up.
   */
  authorizeKey(id: string, username: string, publicKey: string, ttlMs: number): Promise<void>;
}

interface LocalInstance {
  id: string;
  slot: number;
  address: string;
  dir: string;
  state: InstanceState;
  launchedAtMs: number;
  boot: AbortController;
  booting?: Promise<void>;
  server?: LocalSshServer;
  hostKey?: string;
  removal?: Promise<void>;
}

const DOCKER_SOCKET_PATHS = ['/var/run/docker.sock', '/run/docker.sock'];

export function createLocalProvider(
  deps: { clock: Clock; logger: Logger },
  options: LocalProviderOptions,
): LocalProvider {
  return new LocalInstances(deps, options);
}

class LocalInstances implements LocalProvider {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #o: LocalProviderOptions;
  readonly #maxInstances: number;
  readonly #token = randomBytes(3).toString('hex');
  readonly #clientKey = generateEd25519KeyPair('spotrunner-local');
  #user: Promise<LocalJobUser> | undefined;
  #resolvedUser: LocalJobUser | undefined;
  readonly #instances = new Map<string, LocalInstance>();
  #seq = 0;
  #shutdown: Promise<void> | undefined;

  constructor(deps: { clock: Clock; logger: Logger }, options: LocalProviderOptions) {
    this.#clock = deps.clock;
    this.#logger = deps.logger.child({ component: 'provider', provider: 'local' });
    this.#o = options;
    this.#maxInstances = options.maxInstances ?? DEFAULT_LOCAL_MAX_INSTANCES;
  }

  async init(): Promise<ProviderInfo> {
    await mkdir(this.#o.dir, { recursive: true });
    const user = await this.#jobUser();
    if (user.switched) await openDirToJobUser(this.#o.dir, user);
    await reapEarlierRuns(this.#o.dir, this.#token, this.#logger);
    await writeOwnerRecord(this.#o.dir, this.#token);
    return { id: `local/${this.#o.dir}`, maxSize: this.#maxInstances, version: '1' };
  }

  update(): Promise<InstanceInfo[]> {
    return Promise.resolve(
      [...this.#instances.values()].map((i) => ({
        id: i.id,
        state: i.state,
        launchedAtMs: i.launchedAtMs,
        instanceType: 'local',
        lifecycle: 'on-demand' as const,
        detail: `${i.address}${i.server ? `:${i.server.port}` : ''} ${i.dir}`,
      })),
    );
  }

  increase(n: number): Promise<number> {
    if (this.#shutdown) return Promise.resolve(0);
    const count = Math.max(0, Math.min(n, this.#maxInstances - this.#instances.size));
    let started = 0;
    for (; started < count; started++) {
      const slot = this.#freeSlot();
      if (slot === undefined) break;
      const id = `local-${this.#token}-${++this.#seq}`;
      const instance: LocalInstance = {
        id,
        slot,
        address: this.#addressOf(slot),
        dir: path.join(this.#o.dir, id),
        state: 'creating',
        launchedAtMs: this.#clock.now(),
        boot: new AbortController(),
      };
      this.#instances.set(id, instance);
      instance.booting = this.#boot(instance);
    }
    return Promise.resolve(started);
  }

  decrease(ids: readonly string[]): Promise<string[]> {
    const issued: string[] = [];
    for (const id of ids) {
      const instance = this.#instances.get(id);
      if (!instance || instance.removal) continue;
      this.#remove(instance, 'decrease');
      issued.push(id);
    }
    return Promise.resolve(issued);
  }

  connectInfo(id: string): Promise<ConnectInfo> {
    const instance = this.#instances.get(id);
    if (!instance || instance.removal) {
      return Promise.reject(new SpotrunnerError('not_found', `no local instance ${id}`));
    }
    if (!instance.server || !instance.hostKey) {
      return Promise.reject(
        new SpotrunnerError('provider', `local instance ${id} is still booting`, {
          retryable: true,
        }),
      );
    }
    return Promise.resolve({
      id,
      os: platform() === 'darwin' ? 'darwin' : 'linux',
      arch: archName(),
      protocol: 'ssh',
      internalAddr: instance.address,
      port: instance.server.port,
      username: this.#resolvedUser?.name ?? 'spotrunner',
      privateKey: this.#clientKey.private,
      hostKey: instance.hostKey,
      keepaliveMs: this.#o.keepaliveMs,
      timeoutMs: this.#o.timeoutMs,
    });
  }

  shutdown(): Promise<void> {
    this.#shutdown ??= (async () => {
      const all = [...this.#instances.values()];
      for (const instance of all) if (!instance.removal) this.#remove(instance, 'shutdown');
      await mapLimit(all, 8, (i) => i.removal ?? Promise.resolve());
      await removeOwnerRecord(this.#o.dir, this.#token).catch((err: unknown) => {
        this.#logger.warn({ err: describeError(err) }, 'cannot remove the owner record');
      });
    })();
    return this.#shutdown;
  }

  instanceDir(id: string): string | undefined {
    return this.#instances.get(id)?.dir;
  }

  processPids(id: string): number[] {
    return this.#instances.get(id)?.server?.processPids() ?? [];
  }

  jobUser(): LocalJobUser | undefined {
    return this.#resolvedUser;
  }

  authorizeKey(id: string, username: string, publicKey: string, ttlMs: number): Promise<void> {
    const server = this.#instances.get(id)?.server;
    if (!server) {
      return Promise.reject(new SpotrunnerError('not_found', `no running local instance ${id}`));
    }
    server.authorize(username, publicKey, this.#clock.now() + ttlMs);
    return Promise.resolve();
  }

  async #boot(instance: LocalInstance): Promise<void> {
    const logger = this.#logger.child({ instanceId: instance.id });
    try {
      const user = await this.#jobUser();
      await mkdir(instance.dir, { recursive: true, mode: 0o700 });
      if (user.switched) await chown(instance.dir, user.uid, user.gid);
      const hostPair = generateEd25519KeyPair(instance.id);
      instance.server = await startLocalSshServer(
        { clock: this.#clock, logger },
        {
          host: instance.address,
          ...(this.#o.sshPort ? { port: this.#o.sshPort } : {}),
          hostPrivateKey: hostPair.private,
          clientPublicKey: this.#clientKey.public,
          username: user.name,
          dir: instance.dir,
          ...(user.switched ? { runAs: { uid: user.uid, gid: user.gid } } : {}),
          shell: this.#o.shell ?? 'bash',
          env: this.#envFor(instance, user),
          socketRedirects: this.#socketRedirects(),
        },
      );
      instance.hostKey = hostPair.public.split(' ').slice(0, 2).join(' ');
      await this.#clock.sleep(this.#o.bootDelayMs ?? 0, instance.boot.signal);
      if (instance.state !== 'creating') return;
      instance.state = 'running';
      logger.info(
        { address: instance.address, port: instance.server.port, dir: instance.dir },
        'local instance running',
      );
    } catch (err: unknown) {
      if (instance.boot.signal.aborted) return; // removed while booting
      logger.error(
        { err: describeError(err), address: instance.address },
        'local instance failed to boot',
      );
      this.#remove(instance, 'boot failed');
    }
  }

  #remove(instance: LocalInstance, reason: string): void {
    instance.state = 'deleting';
    instance.boot.abort();
    instance.removal = (async () => {
      await instance.booting;
      try {
        await instance.server?.close();
        await rm(instance.dir, { recursive: true, force: true });
      } catch (err: unknown) {
        this.#logger.error(
          { instanceId: instance.id, err: describeError(err) },
          'local instance cleanup failed',
        );
      }
      this.#instances.delete(instance.id);
      this.#logger.info({ instanceId: instance.id, reason }, 'local instance removed');
    })();
  }

  /** Resolved once: the user every instance runs commands as. */
  #jobUser(): Promise<LocalJobUser> {
    this.#user ??= resolveLocalJobUser(this.#logger).then((user) => {
      this.#resolvedUser = user;
      this.#logger.info({ user: user.name, uid: user.uid }, 'local instances run jobs as');
      return user;
    });
    return this.#user;
  }

  #envFor(instance: LocalInstance, user: LocalJobUser): Record<string, string> {
    const env: Record<string, string> = {
      ...(this.#o.env ?? { PATH: DEFAULT_LOCAL_PATH }),
      HOME: instance.dir,
      USER: user.name,
      LOGNAME: user.name,
      SHELL: this.#o.shell ?? 'bash',
      SPOTRUNNER_INSTANCE_ID: instance.id,
    };
    if (this.#o.dockerSocket) env.DOCKER_HOST = `unix://${this.#o.dockerSocket}`;
    return env;
  }

  #socketRedirects(): Record<string, string> | undefined {
    const target = this.#o.dockerSocket;
    if (!target) return undefined;
    return Object.fromEntries(DOCKER_SOCKET_PATHS.map((p) => [p, target]));
  }

  #addressOf(slot: number): string {
    const prefix = this.#o.addressPrefix ?? '127.0.0.';
    return prefix.endsWith('.') ? `${prefix}${slot}` : prefix;
  }

  /** The lowest host number no instance uses (any number when all share one address). */
  #freeSlot(): number | undefined {
    const first = this.#o.firstHost ?? 2;
    const used = new Set([...this.#instances.values()].map((i) => i.slot));
    const shared = !(this.#o.addressPrefix ?? '127.0.0.').endsWith('.');
    for (let slot = first; shared || slot <= 254; slot++) if (!used.has(slot)) return slot;
    return undefined;
  }
}

function archName(): ConnectInfo['arch'] {
  switch (osArch()) {
    case 'arm64':
      return 'arm64';
    case 'ia32':
      return '386';
    default:
      return 'amd64';
  }
}
