/**
 * `plugin_config` for `plugin = "static"`, a fixed list of SSH hosts:
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
import { checkStaticHosts } from '../../providers/static/static-options.js';
import type { CompiledConnector } from '../types.js';
import type { CompiledStaticPlugin } from '../provider-types.js';
import { text } from './fields.js';

function isHostKey(value: string): boolean {
  try {
    parseHostKey(value);
    return true;
  } catch {
    return false; // parseHostKey throws on anything malformed; that is the answer here
  }
}

export const staticHostSchema = z.strictObject({
  name: text().optional(),
  address: text(),
  port: z.number().int().min(1).max(65_535).optional(),
  username: text().optional(),
  key_path: text().optional(),
  password: z.string().min(1, 'must not be empty').optional(),
  host_key: text()
    .refine(isHostKey, {
      message: 'must be "<type> <base64>" (as in known_hosts) or "SHA256:<fingerprint>"',
    })
    .optional(),
});

/** The schema, with key paths resolved against `configDir` and hosts checked with `connector`. */
export function staticPluginConfigSchema(configDir: string, connector: CompiledConnector) {
  const resolve = (p: string | undefined): string | undefined =>
    p === undefined ? undefined : path.resolve(configDir, p);
  return z
    .strictObject({ hosts: z.array(staticHostSchema).min(1, 'list at least one host') })
    .transform((c): CompiledStaticPlugin => ({
      hosts: c.hosts.map((h) => ({
        name: h.name,
        address: h.address,
        port: h.port,
        username: h.username,
        keyPath: resolve(h.key_path),
        password: h.password,
        hostKey: h.host_key,
      })),
    }))
    .superRefine((c, ctx) => {
      for (const p of checkStaticHosts(c.hosts, connector)) {
        ctx.addIssue({ code: 'custom', path: ['hosts', p.index], message: p.message });
      }
    });
}
