/**
 * The static provider: a fixed list of SSH hosts that are always there and cost nothing,
 * modelled as a pool so the fleet engine's logic applies unchanged. `increase(n)` takes up to n
 * free hosts (running at once: they exist already); `decrease(ids)` puts them back (they vanish
 * from `update`), so scaling to zero just stops using a host. Keys are read at init.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ConnectorDefaults } from '../../connect/connector-defaults.js';
import type { Clock } from '../../platform/clock.js';
import { SpotrunnerError, UserError, describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { ConnectInfo, InstanceInfo, Provider, ProviderInfo } from '../provider.js';
import {
  checkStaticHosts,
  staticHostId,
  type StaticHost,
  type StaticProviderOptions,
} from './static-options.js';

interface ReadyHost {
  id: string;
  host: StaticHost;
  privateKey?: string;
  password?: string;
  username: string;
  port: number;
  /** When the fleet took it, while in use. */
  inUseSinceMs?: number;
}

export function createStaticProvider(
  deps: { clock: Clock; logger: Logger },
  options: StaticProviderOptions,
): Provider {
  return new StaticHosts(deps, options);
}

class StaticHosts implements Provider {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #o: StaticProviderOptions;
  readonly #connector: NonNullable<StaticProviderOptions['connector']>;
  #hosts: ReadyHost[] | undefined;
  #initializing: Promise<ReadyHost[]> | undefined;

  constructor(deps: { clock: Clock; logger: Logger }, options: StaticProviderOptions) {
    this.#clock = deps.clock;
    this.#logger = deps.logger.child({ component: 'provider', provider: 'static' });
    this.#o = options;
    this.#connector = options.connector ?? {};
  }

  async init(): Promise<ProviderInfo> {
    const hosts = await this.#ready();
    const digest = createHash('sha256')
      .update(hosts.map((h) => h.id).join('\n'))
      .digest('hex');
    return { id: `static/${digest.slice(0, 12)}`, maxSize: hosts.length, version: '1' };
  }

  async update(): Promise<InstanceInfo[]> {
    const hosts = await this.#ready();
    return hosts
      .filter((h) => h.inUseSinceMs !== undefined)
      .map((h) => ({
        id: h.id,
        state: 'running' as const,
        launchedAtMs: h.inUseSinceMs,
        instanceType: 'static',
        lifecycle: 'on-demand' as const,
        detail: `${h.username}@${h.host.address}:${h.port}`,
      }));
  }

  async increase(n: number): Promise<number> {
    const free = (await this.#ready()).filter((h) => h.inUseSinceMs === undefined);
    const taken = free.slice(0, Math.max(0, n));
    for (const h of taken) h.inUseSinceMs = this.#clock.now();
    if (taken.length > 0) this.#logger.info({ hosts: taken.map((h) => h.id) }, 'hosts taken');
    return taken.length;
  }

  async decrease(ids: readonly string[]): Promise<string[]> {
    const hosts = await this.#ready();
    const returned: string[] = [];
    for (const id of ids) {
      const h = hosts.find((x) => x.id === id && x.inUseSinceMs !== undefined);
      if (!h) continue;
      h.inUseSinceMs = undefined;
      returned.push(id);
    }
    if (returned.length > 0) this.#logger.info({ hosts: returned }, 'hosts returned to the pool');
    return returned;
  }

  async connectInfo(id: string): Promise<ConnectInfo> {
    const h = (await this.#ready()).find((x) => x.id === id && x.inUseSinceMs !== undefined);
    if (!h) throw new SpotrunnerError('not_found', `static host ${id} is not in use`);
    return {
      id,
      os: this.#connector.os ?? 'linux',
      arch: this.#connector.arch ?? 'amd64',
      protocol: 'ssh',
      internalAddr: h.host.address,
      port: h.port,
      username: h.username,
      privateKey: h.privateKey,
      password: h.password,
      hostKey: h.host.hostKey,
      keepaliveMs: this.#connector.keepaliveMs || undefined,
      timeoutMs: this.#connector.timeoutMs || undefined,
    };
  }

  shutdown(): Promise<void> {
    // The hosts are not ours to remove; connections are closed by their pool.
    if (this.#hosts) for (const h of this.#hosts) h.inUseSinceMs = undefined;
    return Promise.resolve();
  }

  #ready(): Promise<ReadyHost[]> {
    if (this.#hosts) return Promise.resolve(this.#hosts);
    this.#initializing ??= loadHosts(this.#o.hosts, this.#connector).then(
      (hosts) => {
        this.#hosts = hosts;
        return hosts;
      },
      (err: unknown) => {
        this.#initializing = undefined; // a key file fixed later is read on the next call
        throw err;
      },
    );
    return this.#initializing;
  }
}

async function loadHosts(
  hosts: readonly StaticHost[],
  connector: ConnectorDefaults,
): Promise<ReadyHost[]> {
  if (hosts.length === 0) {
    throw new UserError('the static provider needs at least one host', 'config_invalid');
  }
  const problems = checkStaticHosts(hosts, connector);
  if (problems.length > 0) {
    const lines = problems.map((p) => `static host ${staticHostId(hosts[p.index]!)}: ${p.message}`);
    throw new UserError(lines.join('\n'), 'config_invalid');
  }
  const keyCache = new Map<string, Promise<string>>();
  const ready: ReadyHost[] = [];
  for (const host of hosts) {
    const id = staticHostId(host);
    const keyPath = host.keyPath ?? (host.privateKey ? undefined : connector.keyPath);
    let privateKey = host.privateKey;
    if (keyPath !== undefined) {
      if (!keyCache.has(keyPath)) keyCache.set(keyPath, readKeyFile(keyPath, id));
      privateKey = await keyCache.get(keyPath);
    } else if (privateKey !== undefined) {
      checkPrivateKey(privateKey, `the private key of static host ${id}`);
    }
    ready.push({
      id,
      host,
      privateKey,
      password: host.password ?? connector.password,
      username: (host.username ?? connector.username)!,
      port: host.port ?? (connector.port || 22),
    });
  }
  return ready;
}

async function readKeyFile(file: string, hostId: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err: unknown) {
    throw new UserError(
      `cannot read SSH key file ${file} (static host ${hostId}): ${describeError(err)}`,
      'config_invalid',
      { cause: err },
    );
  }
  checkPrivateKey(text, `SSH key file ${file} (static host ${hostId})`);
  return text;
}

function checkPrivateKey(text: string, what: string): void {
  const parsed = ssh2.utils.parseKey(text);
  const problem =
    parsed instanceof Error
      ? parsed.message
      : parsed.isPrivateKey()
        ? undefined
        : 'it holds a public key, not a private one';
  if (problem !== undefined) {
    throw new UserError(`${what} is not a usable private key: ${problem}`, 'config_invalid');
  }
}
