/**
 * Which host key each instance may present. A key pinned by the provider must match; otherwise
 * the first key seen for an instance id is trusted (logged with its fingerprint) and any other
 * key for that id is refused later. Optionally kept in a JSON file so restarts keep the pins.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SpotrunnerError, describeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { fingerprintOf, formatHostKey, matchesHostKey, parseHostKey } from './host-key.js';

export type HostKeyVerdict =
  | { ok: true; fingerprint: string; source: 'pinned' | 'known' | 'learned' }
  | {
      ok: false;
      fingerprint: string;
      expectedFingerprint: string;
      source: 'pinned' | 'known';
    };

export interface HostKeyStore {
  /**
   * Checks the key blob an instance presented. With `pinned` (from ConnectInfo.hostKey) only that
   * key passes; without it the remembered key for the id must match, or the key is learned.
   */
  check(instanceId: string, presented: Buffer, pinned?: string): HostKeyVerdict;
  /** The key remembered for an instance (`type base64`), if any. */
  known(instanceId: string): string | undefined;
  /** Forgets an instance that is gone, so its id may come back with a new key. */
  forget(instanceId: string): void;
  /** Resolves once pending writes to the file have finished. */
  flush(): Promise<void>;
}

export interface HostKeyStoreOptions {
  /** JSON file that keeps learned keys across restarts; in memory only when absent. */
  path?: string;
}

interface StoreFile {
  version: 1;
  hosts: Record<string, string>;
}

/** Creates a store, loading `options.path` when it exists. */
export async function createHostKeyStore(
  deps: { logger: Logger },
  options: HostKeyStoreOptions = {},
): Promise<HostKeyStore> {
  const logger = deps.logger.child({ component: 'host-keys' });
  const keys = new Map<string, string>(
    options.path === undefined ? [] : Object.entries(await loadFile(options.path)),
  );
  let writing: Promise<void> = Promise.resolve();

  const save = (): void => {
    const file = options.path;
    if (file === undefined) return;
    const body: StoreFile = { version: 1, hosts: Object.fromEntries(keys) };
    writing = writing.then(() =>
      writeAtomically(file, JSON.stringify(body, null, 2) + '\n').catch((err: unknown) => {
        logger.error({ path: file, err: describeError(err) }, 'cannot save host keys');
      }),
    );
  };

  return {
    check(instanceId, presented, pinned) {
      const fingerprint = fingerprintOf(presented);
      if (pinned !== undefined) {
        const expected = parsePinned(instanceId, pinned);
        return matchesHostKey(expected, presented)
          ? { ok: true, fingerprint, source: 'pinned' }
          : { ok: false, fingerprint, expectedFingerprint: expected.fingerprint, source: 'pinned' };
      }
      const remembered = keys.get(instanceId);
      if (remembered !== undefined) {
        const expected = parsePinned(instanceId, remembered);
        return matchesHostKey(expected, presented)
          ? { ok: true, fingerprint, source: 'known' }
          : { ok: false, fingerprint, expectedFingerprint: expected.fingerprint, source: 'known' };
      }
      keys.set(instanceId, formatHostKey(presented));
      logger.info(
        { instanceId, fingerprint, keyType: formatHostKey(presented).split(' ')[0] },
        'host key learned on first use',
      );
      save();
      return { ok: true, fingerprint, source: 'learned' };
    },
    known: (instanceId) => keys.get(instanceId),
    forget(instanceId) {
      if (keys.delete(instanceId)) save();
    },
    flush: () => writing,
  };
}

function parsePinned(instanceId: string, text: string): ReturnType<typeof parseHostKey> {
  try {
    return parseHostKey(text);
  } catch (err: unknown) {
    throw new SpotrunnerError(
      'host_key_mismatch',
      `invalid host key for instance ${instanceId}: ${describeError(err)}`,
    );
  }
}

async function loadFile(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SpotrunnerError('state', `cannot read host key file ${file}: ${describeError(err)}`, {
      cause: err,
    });
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoreFile>;
    const hosts = parsed.hosts ?? {};
    for (const [id, key] of Object.entries(hosts)) {
      if (typeof key !== 'string') throw new Error(`entry ${id} is not a string`);
      parseHostKey(key);
    }
    return hosts;
  } catch (err: unknown) {
    throw new SpotrunnerError('state', `host key file ${file} is corrupt: ${describeError(err)}`, {
      cause: err,
    });
  }
}

async function writeAtomically(file: string, body: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, body, { mode: 0o644 });
  await rename(tmp, file);
}
