/**
 * `plugin_config` for `plugin = "local"` (instances are processes on this machine):
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
 */
import path from 'node:path';
import { z } from 'zod';
import type { CompiledLocalPlugin } from '../provider-types.js';
import { durationField, text } from './fields.js';

export const localPluginConfigShape = {
  dir: text().optional(),
  boot_delay: durationField.optional(),
  max_instances: z.number().int().min(1).max(250).optional(),
  address_prefix: text().optional(),
  first_host: z.number().int().min(1).max(254).optional(),
  shell: text().optional(),
  docker_socket: text().optional(),
  ssh_port: z.number().int().min(1).max(65_535).optional(),
};

/** The schema, with paths resolved against `configDir`. */
export function localPluginConfigSchema(configDir: string) {
  const resolve = (p: string | undefined): string | undefined =>
    p === undefined ? undefined : path.resolve(configDir, p);
  return z.strictObject(localPluginConfigShape).transform((c): CompiledLocalPlugin => ({
    dir: resolve(c.dir),
    bootDelayMs: c.boot_delay,
    maxInstances: c.max_instances,
    addressPrefix: c.address_prefix,
    firstHost: c.first_host,
    shell: c.shell,
    dockerSocket: resolve(c.docker_socket),
    sshPort: c.ssh_port,
  }));
}
