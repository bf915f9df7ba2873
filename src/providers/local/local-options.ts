/**
 * Options of the local provider. `[runners.autoscaler.plugin_config]` for `plugin = "local"` is
 * validated by `config/plugin-config/local.ts` when the config loads:
 *
 *   dir            where instance directories go (relative to the config file); default
 *                  `<tmpdir>/spotrunner-local`
 *   boot_delay     time from creating to running, e.g. "2s" (default 0)
 *   max_instances  most instances at once (default 8)
 *   address_prefix / first_host   loopback addresses used: prefix + n (default 127.0.0.2, …)
 *   shell          shell that runs commands (default bash)
 *   docker_socket  unix socket served when an instance asks for /var/run/docker.sock
 *   ssh_port       the one SSH port every instance listens on (each on its own address);
 *                  default a free port per instance
 *
 * connector_config's keepalive and timeout pass through to ConnectInfo; username and keys do
 * not apply (each instance has a generated key, and runs commands as the manager's own user, or
 * as the unprivileged `spotrunner` user when the manager is root: see local-user.ts).
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ConnectorDefaults } from '../../connect/connector-defaults.js';
import type { CompiledLocalPlugin } from '../../config/types.js';

export interface LocalProviderOptions {
  /** Instance directories are created under here. */
  dir: string;
  /** Most instances at once (ProviderInfo.maxSize). Default 8. */
  maxInstances?: number;
  /** Time an instance stays `creating` after its SSH endpoint is up. Default 0. */
  bootDelayMs?: number;
  /**
   * Instance n listens on `addressPrefix + (firstHost + n)`. Default `127.0.0.` (Linux routes
   * all of 127/8 to lo). A prefix without a trailing dot is used as the one address of every
   * instance (each still has its own port), for systems with only 127.0.0.1.
   */
  addressPrefix?: string;
  /** First host number. Default 2. */
  firstHost?: number;
  /** Shell that runs `-c <command>`. Default `bash`. */
  shell?: string;
  /** Served to instances asking for /var/run/docker.sock (or /run/docker.sock). */
  dockerSocket?: string;
  /**
   * The SSH port of every instance (each on its own address, so they do not clash); default a
   * port chosen per instance. A fixed port lets clients that only know an address (EC2-style
   * ConnectInfo with `protocol_port`) reach the instance.
   */
  sshPort?: number;
  /** Environment every command starts from (PATH, LANG…); HOME, USER etc. are set on top. */
  env?: Readonly<Record<string, string>>;
  /** connector_config keepalive / timeout, passed on in ConnectInfo. */
  keepaliveMs?: number;
  timeoutMs?: number;
}

export const DEFAULT_LOCAL_MAX_INSTANCES = 8;
export const DEFAULT_LOCAL_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The local provider's options from the compiled plugin_config and connector_config. */
export function localOptionsFromConfig(
  c: CompiledLocalPlugin,
  connector: ConnectorDefaults,
): LocalProviderOptions {
  return {
    dir: c.dir ?? path.join(tmpdir(), 'spotrunner-local'),
    maxInstances: c.maxInstances,
    bootDelayMs: c.bootDelayMs,
    addressPrefix: c.addressPrefix,
    firstHost: c.firstHost,
    shell: c.shell,
    dockerSocket: c.dockerSocket,
    sshPort: c.sshPort,
    keepaliveMs: connector.keepaliveMs || undefined,
    timeoutMs: connector.timeoutMs || undefined,
  };
}
