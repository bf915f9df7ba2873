import { createHmac, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../platform/errors.js';

export const SYSTEM_ID_FILE = '.runner_system_id';

const VALID = /^[sr]_[0-9a-zA-Z]{12}$/;
const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export interface SystemIdDeps {
  /** The OS machine id, or undefined when there is none (containers). Default: /etc/machine-id. */
  readMachineId?: () => string | undefined;
  /** Uniform in [0, 1); used for the `r_` fallback. Default: node:crypto. */
  random?: () => number;
}

export interface SystemIdResult {
  systemId: string;
  /** True when the id was generated now (and written, unless `warning` says otherwise). */
  created: boolean;
  /** Set when the generated id could not be written: it will change on the next start. */
  warning?: string;
}

/** Reads the machine id as the `machineid` library gitlab-runner uses does. */
export function readMachineIdFile(): string | undefined {
  for (const path of ['/var/lib/dbus/machine-id', '/etc/machine-id']) {
    try {
      const id = readFileSync(path, 'utf8').trim();
      if (id !== '') return id;
    } catch {
      // absent on this system: try the next location
    }
  }
  return undefined;
}

/** `s_` + 12 hex of HMAC-SHA256(key = machine id, "gitlab-runner"), else `r_` + 12 random alphanumerics. */
export function generateSystemId(machineId: string | undefined, random: () => number): string {
  const id = machineId?.trim();
  if (id !== undefined && id !== '') {
    return `s_${createHmac('sha256', id).update('gitlab-runner').digest('hex').slice(0, 12)}`;
  }
  let out = 'r_';
  for (let i = 0; i < 12; i++) out += ALPHANUMERIC[Math.floor(random() * ALPHANUMERIC.length)];
  return out;
}

/**
 * The runner manager's `system_id`, kept in `.runner_system_id` beside config.toml as
 * gitlab-runner does: an existing valid id (`^[sr]_[0-9a-zA-Z]{12}$`, trimmed) is reused;
 * otherwise one is generated and written with mode 0600. A failed write is only a warning.
 */
export async function loadOrCreateSystemId(
  dir: string,
  deps: SystemIdDeps = {},
): Promise<SystemIdResult> {
  const path = join(dir, SYSTEM_ID_FILE);
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    if (VALID.test(existing)) return { systemId: existing, created: false };
  } catch {
    // no file yet (or unreadable): generate one below, as gitlab-runner does
  }
  const readMachineId = deps.readMachineId ?? readMachineIdFile;
  const random = deps.random ?? ((): number => randomInt(0, 2 ** 32) / 2 ** 32);
  const systemId = generateSystemId(readMachineId(), random);
  try {
    await writeFile(path, systemId, { mode: 0o600 });
    await chmod(path, 0o600); // an existing (invalid) file keeps its mode on overwrite
    return { systemId, created: true };
  } catch (err: unknown) {
    return { systemId, created: true, warning: `could not save ${path}: ${describeError(err)}` };
  }
}
