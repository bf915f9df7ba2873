/**
 * Options of the static provider, and `[runners.autoscaler.plugin_config]` for
 * `plugin = "static"`:
 *
 *   [[runners.autoscaler.plugin_config.hosts]]
 *   name = "workstation"          # instance id; default address (or address:port)
 *   address = "192.168.1.20"
 *   port = 22                     # default connector_config.protocol_port, else 22
 *   username = "ci"               # default connector_config.username
 *   key_path = "keys/ci_ed25519"  # default connector_config.key_path; relative to config.toml
 *   password = "${CI_PASSWORD}"   # instead of a key
 *   host_key = "ssh-ed25519 AAAA…" # or "SHA256:…"; unpinned keys are learned on first use
 */
import path from 'node:path';
import { z } from 'zod';
import { parseHostKey } from '../../connect/host-key.js';
import type { ConnectorDefaults } from '../../connect/connector-defaults.js';
import { UserError, describeError } from '../../platform/errors.js';

export interface StaticHost {
  /** Instance id; default `address`, or `address:port` for a port other than 22. */
  name?: string;
  address: string;
  port?: number;
  username?: string;
  /** Private key file, read at init. */
  keyPath?: string;
  /** Private key text (PEM / OpenSSH), instead of keyPath. */
  privateKey?: string;
  password?: string;
  /** Pinned host key, `type base64` or `SHA256:…`. */
  hostKey?: string;
}

export interface StaticProviderOptions {
  hosts: readonly StaticHost[];
  /** connector_config values used where a host has none. */
  connector?: ConnectorDefaults & {
    os?: 'linux' | 'windows' | 'darwin';
    arch?: 'amd64' | 'arm64' | '386';
  };
}

/** The instance id of a host. */
export function staticHostId(host: StaticHost): string {
  if (host.name) return host.name;
  return host.port && host.port !== 22 ? `${host.address}:${host.port}` : host.address;
}

const text = z.string().trim().min(1, 'must not be empty');

const hostSchema = z.strictObject({
  name: text.optional(),
  address: text,
  port: z.number().int().min(1).max(65_535).optional(),
  username: text.optional(),
  key_path: text.optional(),
  password: z.string().min(1, 'must not be empty').optional(),
  host_key: text
    .refine(
      (value) => {
        try {
          parseHostKey(value);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'must be "<type> <base64>" (as in known_hosts) or "SHA256:<fingerprint>"' },
    )
    .optional(),
});

export const staticPluginConfigSchema = z.strictObject({
  hosts: z.array(hostSchema).min(1, 'list at least one host'),
});

function formatIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const many = issue.keys.length > 1;
    const where = issue.path.length ? `.${pathText(issue.path)}` : '';
    return `plugin_config${where}: unknown key${many ? 's' : ''} ${issue.keys.join(', ')} for the static plugin`;
  }
  return `plugin_config.${pathText(issue.path)}: ${issue.message}`;
}

function pathText(parts: readonly PropertyKey[]): string {
  return parts
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`))
    .join('');
}

/** Validates plugin_config for `plugin = "static"`; throws a UserError naming the key. */
export function staticOptionsFromConfig(
  pluginConfig: Readonly<Record<string, unknown>>,
  connector: ConnectorDefaults & { protocol?: string },
  configDir: string,
): StaticProviderOptions {
  if (connector.protocol !== undefined && connector.protocol !== 'ssh') {
    throw new UserError(
      `connector_config.protocol: the static provider connects over ssh only, got "${connector.protocol}"`,
      'config_invalid',
    );
  }
  const parsed = staticPluginConfigSchema.safeParse(pluginConfig);
  if (!parsed.success) {
    throw new UserError(parsed.error.issues.map(formatIssue).join('\n'), 'config_invalid');
  }
  const resolve = (p: string | undefined): string | undefined =>
    p === undefined ? undefined : path.resolve(configDir, p);
  const hosts: StaticHost[] = parsed.data.hosts.map((h) => ({
    name: h.name,
    address: h.address,
    port: h.port,
    username: h.username,
    keyPath: resolve(h.key_path),
    password: h.password,
    hostKey: h.host_key,
  }));
  const problems = checkStaticHosts(hosts, connector).map(
    (p) => `plugin_config.hosts[${p.index}]: ${p.message}`,
  );
  if (problems.length > 0) throw new UserError(problems.join('\n'), 'config_invalid');
  return { hosts, connector: { ...connector, keyPath: resolve(connector.keyPath) } };
}

/** Problems no host list may have: duplicate ids, no user, no credentials. */
export function checkStaticHosts(
  hosts: readonly StaticHost[],
  connector: ConnectorDefaults = {},
): { index: number; message: string }[] {
  const problems: { index: number; message: string }[] = [];
  const seen = new Map<string, number>();
  hosts.forEach((host, index) => {
    const id = staticHostId(host);
    const first = seen.get(id);
    if (first !== undefined) {
      problems.push({ index, message: `id "${id}" is already used by hosts[${first}]; set name` });
    }
    seen.set(id, index);
    if (!host.username && !connector.username) {
      problems.push({ index, message: 'username is missing (here or in connector_config)' });
    }
    const hasCredential =
      host.keyPath || host.privateKey || host.password || connector.keyPath || connector.password;
    if (!hasCredential) {
      problems.push({
        index,
        message: 'no key_path or password (here or in connector_config) to log in with',
      });
    }
    if (host.hostKey) {
      try {
        parseHostKey(host.hostKey);
      } catch (err: unknown) {
        problems.push({ index, message: `host_key: ${describeError(err)}` });
      }
    }
  });
  return problems;
}
