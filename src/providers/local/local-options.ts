/**
 * Options of the local provider, and `[runners.autoscaler.plugin_config]` for `plugin = "local"`:
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
import { z } from 'zod';
import { durationField } from '../plugin-config-fields.js';
import type { ConnectorDefaults } from '../../connect/connector-defaults.js';
import { UserError } from '../../platform/errors.js';

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

const duration = durationField;

export const localPluginConfigSchema = z.strictObject({
  dir: z.string().trim().min(1, 'must not be empty').optional(),
  boot_delay: duration.optional(),
  max_instances: z.number().int().min(1).max(250).optional(),
  address_prefix: z.string().trim().min(1).optional(),
  first_host: z.number().int().min(1).max(254).optional(),
  shell: z.string().trim().min(1).optional(),
  docker_socket: z.string().trim().min(1).optional(),
  ssh_port: z.number().int().min(1).max(65_535).optional(),
});

/** Names the key at fault: `plugin_config.boot_delay: …`. */
export function formatPluginIssue(plugin: string, issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const many = issue.keys.length > 1;
    return `plugin_config: unknown key${many ? 's' : ''} ${issue.keys.join(', ')} for the ${plugin} plugin`;
  }
  return `plugin_config.${issue.path.map(String).join('.')}: ${issue.message}`;
}

/** Validates plugin_config for `plugin = "local"`; throws a UserError naming the key. */
export function localOptionsFromConfig(
  pluginConfig: Readonly<Record<string, unknown>>,
  connector: ConnectorDefaults,
  configDir: string,
): LocalProviderOptions {
  const parsed = localPluginConfigSchema.safeParse(pluginConfig);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => formatPluginIssue('local', i));
    throw new UserError(lines.join('\n'), 'config_invalid');
  }
  const c = parsed.data;
  return {
    dir: c.dir ? path.resolve(configDir, c.dir) : path.join(tmpdir(), 'spotrunner-local'),
    maxInstances: c.max_instances,
    bootDelayMs: c.boot_delay,
    addressPrefix: c.address_prefix,
    firstHost: c.first_host,
    shell: c.shell,
    dockerSocket: c.docker_socket ? path.resolve(configDir, c.docker_socket) : undefined,
    sshPort: c.ssh_port,
    keepaliveMs: connector.keepaliveMs || undefined,
    timeoutMs: connector.timeoutMs || undefined,
  };
}
