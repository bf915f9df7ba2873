/**
 * Dials an instance over SSH (ssh2) with the connector settings from its ConnectInfo.
 *
 * Defaults (fleeting leaves them undocumented, so these are ours):
 * - dial timeout `timeoutMs` ≤ 0 or absent → 30 s, covering TCP connect, handshake and auth;
 * - keepalive `keepaliveMs` 0 or absent → 30 s; negative disables it. The connection is dropped
 *   after 3 unanswered keepalives, so a dead peer is noticed within ~4 × keepalive;
 * - port ≤ 0 → 22; the internal address unless `useExternalAddr`, falling back to whichever exists.
 * Host keys are checked through a HostKeyStore: never accepted without a pin or a first-use record.
 */
import ssh2 from 'ssh2';
import type { ConnectInfo } from '../providers/provider.js';
import { abortReason } from '../platform/abort.js';
import type { Clock } from '../platform/clock.js';
import { SpotrunnerError, describeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { InstanceConnection } from './connection.js';
import { hostKeyAlgorithmsFor, parseHostKey } from './host-key.js';
import type { HostKeyStore, HostKeyVerdict } from './host-key-store.js';
import { SshConnection } from './ssh-connection.js';
import { translateDialError } from './ssh-errors.js';

export const DEFAULT_DIAL_TIMEOUT_MS = 30_000;
export const DEFAULT_KEEPALIVE_MS = 30_000;
export const KEEPALIVE_COUNT_MAX = 3;
export const DEFAULT_SSH_PORT = 22;

export interface DialDeps {
  clock: Clock;
  logger: Logger;
}

export interface DialOptions {
  hostKeys: HostKeyStore;
  signal?: AbortSignal;
}

/** The address to dial: external when asked and present, else whichever exists. */
export function pickAddress(info: ConnectInfo): string | undefined {
  const internal = info.internalAddr || undefined;
  const external = info.externalAddr || undefined;
  return info.useExternalAddr ? (external ?? internal) : (internal ?? external);
}

export async function dialSsh(
  deps: DialDeps,
  info: ConnectInfo,
  options: DialOptions,
): Promise<InstanceConnection> {
  const { signal } = options;
  if (signal?.aborted) throw abortReason(signal);
  const host = pickAddress(info);
  const port = info.port > 0 ? info.port : DEFAULT_SSH_PORT;
  const where = `${info.username}@${host ?? '?'}:${port} (instance ${info.id})`;
  if (host === undefined) {
    throw new SpotrunnerError('connect', `instance ${info.id} has no address yet`, {
      retryable: true,
    });
  }
  const logger = deps.logger.child({ component: 'connect', instanceId: info.id });
  const timeoutMs =
    info.timeoutMs !== undefined && info.timeoutMs > 0 ? info.timeoutMs : DEFAULT_DIAL_TIMEOUT_MS;
  const keepaliveMs = info.keepaliveMs ? info.keepaliveMs : DEFAULT_KEEPALIVE_MS;
  let verdict: HostKeyVerdict | undefined;
  let verifyError: unknown;
  const config: ssh2.ConnectConfig = {
    host,
    port,
    username: info.username,
    privateKey: info.privateKey,
    password: info.password,
    readyTimeout: 0, // our own timer below covers the whole dial
    keepaliveInterval: keepaliveMs > 0 ? keepaliveMs : 0,
    keepaliveCountMax: KEEPALIVE_COUNT_MAX,
    strictVendor: false,
    hostVerifier: (key: Buffer): boolean => {
      try {
        verdict = options.hostKeys.check(info.id, key, info.hostKey);
        return verdict.ok;
      } catch (err: unknown) {
        verifyError = err;
        return false;
      }
    },
  };
  const algorithms = preferredHostKeyAlgorithms(info, options.hostKeys);
  if (algorithms) config.algorithms = { serverHostKey: algorithms };
  const client = new ssh2.Client();
  try {
    await connectClient(deps.clock, client, config, { timeoutMs, where, signal }, (err) =>
      dialFailure(err, where, verdict, verifyError),
    );
  } catch (err: unknown) {
    if (err instanceof SpotrunnerError && err.code === 'host_key_mismatch') {
      logger.error({ where }, err.message);
    }
    throw err;
  }
  logger.debug({ where, keepaliveMs }, 'ssh connected');
  return new SshConnection({ clock: deps.clock, logger }, client, info.id, where);
}

/** Connects and waits for `ready`, a failure, the timeout or the abort, whichever comes first. */
function connectClient(
  clock: Clock,
  client: ssh2.Client,
  config: ssh2.ConnectConfig,
  o: { timeoutMs: number; where: string; signal: AbortSignal | undefined },
  failure: (err: unknown) => SpotrunnerError,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      cancelTimeout();
      o.signal?.removeEventListener('abort', onAbort);
      if (err === undefined) {
        resolve();
        return;
      }
      client.destroy();
      reject(err);
    };
    const onAbort = (): void => finish(abortReason(o.signal));
    const cancelTimeout = clock.schedule(o.timeoutMs, () =>
      finish(
        new SpotrunnerError('timeout', `ssh dial to ${o.where} timed out after ${o.timeoutMs} ms`, {
          retryable: true,
        }),
      ),
    );
    o.signal?.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => finish());
    client.on('error', (err: unknown) => finish(failure(err)));
    client.once('close', () =>
      finish(
        new SpotrunnerError('connect', `ssh connection to ${o.where} closed during the handshake`, {
          retryable: true,
        }),
      ),
    );
    try {
      client.connect(config);
    } catch (err: unknown) {
      finish(
        new SpotrunnerError('connect', `cannot dial ${o.where}: ${describeError(err)}`, {
          cause: err,
        }),
      );
    }
  });
}

function dialFailure(
  err: unknown,
  where: string,
  verdict: HostKeyVerdict | undefined,
  verifyError: unknown,
): SpotrunnerError {
  if (verifyError !== undefined) {
    return verifyError instanceof SpotrunnerError
      ? verifyError
      : new SpotrunnerError('host_key_mismatch', describeError(verifyError), {
          cause: verifyError,
        });
  }
  if (verdict !== undefined && !verdict.ok) {
    const which = verdict.source === 'pinned' ? 'pinned' : 'learned on first use';
    return new SpotrunnerError(
      'host_key_mismatch',
      `host key mismatch for ${where}: presented ${verdict.fingerprint}, ${which} ${verdict.expectedFingerprint}; refusing to connect`,
      { cause: err },
    );
  }
  return translateDialError(err, where);
}

/** Ask for the key type we expect, so a server with several host keys presents that one. */
function preferredHostKeyAlgorithms(
  info: ConnectInfo,
  store: HostKeyStore,
): ssh2.ServerHostKeyAlgorithm[] | undefined {
  const expected = info.hostKey ?? store.known(info.id);
  if (expected === undefined) return undefined;
  try {
    const parsed = parseHostKey(expected);
    return parsed.kind === 'key' ? hostKeyAlgorithmsFor(parsed.type) : undefined;
  } catch {
    return undefined; // reported by the store's check with the instance id
  }
}
