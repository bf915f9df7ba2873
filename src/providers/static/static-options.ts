/**
 * Options of the static provider. `[runners.autoscaler.plugin_config]` for `plugin = "static"`
 * is validated by `config/plugin-config/static.ts` when the config loads:
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
import { parseHostKey } from '../../connect/host-key.js';
import type { ConnectorDefaults } from '../../connect/connector-defaults.js';
import type { CompiledStaticPlugin } from '../../config/types.js';
import { describeError } from '../../platform/errors.js';

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

/** The static provider's options from the compiled plugin_config and connector_config. */
export function staticOptionsFromConfig(
  c: CompiledStaticPlugin,
  connector: ConnectorDefaults,
  configDir: string,
): StaticProviderOptions {
  const keyPath =
    connector.keyPath === undefined ? undefined : path.resolve(configDir, connector.keyPath);
  return { hosts: c.hosts, connector: { ...connector, keyPath } };
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
