/**
 * A primary group with a secondary behind it (spot first, on-demand or other types as fallback).
 * New capacity is asked of the primary; when what it was asked for has not appeared after
 * `afterMs` (an Auto Scaling group out of spot capacity keeps its raised desired count but
 * launches nothing), the same amount is asked of the secondary and new requests go there.
 * While on the secondary, one instance at a time is asked of the primary as a probe every
 * `probeIntervalMs`; once a primary instance appears, new requests go back to the primary and
 * the secondary's instances are trimmed by the engine's idle rules like any others.
 *
 * Capacity moved to the secondary is withdrawn from the primary (when the primary can withdraw
 * requests, as an Auto Scaling group can by lowering its desired count), so a group that gets its
 * spot capacity back does not launch instances for jobs already served by the secondary.
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { describeError } from '../../platform/errors.js';
import type { ConnectInfo, InstanceInfo, Provider, ProviderInfo } from '../provider.js';

export interface FallbackProviderOptions {
  /** How long requested primary capacity may stay missing before the secondary is asked. */
  afterMs: number;
  /** While on the secondary, how often to probe the primary with one instance. */
  probeIntervalMs?: number;
}

export interface FallbackStatus {
  mode: 'primary' | 'secondary';
  pendingPrimary: number;
  sinceMs: number;
}

export interface FallbackProvider extends Provider {
  fallbackStatus(): FallbackStatus;
  /** Whether an instance belongs to the secondary group. */
  isSecondary(instanceId: string): boolean;
  /** Asks the secondary group for `n` instances now (a rescued job that must not run on spot). */
  increaseSecondary(n: number, signal?: AbortSignal): Promise<number>;
}

interface Pending {
  count: number;
  atMs: number;
}

export function createFallbackProvider(
  deps: { clock: Clock; logger: Logger },
  primary: Provider,
  secondary: Provider,
  options: FallbackProviderOptions,
): FallbackProvider {
  const log = deps.logger.child({ component: 'fallback' });
  const probeIntervalMs = options.probeIntervalMs ?? Math.max(options.afterMs, 60_000);
  const primaryIds = new Set<string>();
  const secondaryIds = new Set<string>();
  let pending: Pending[] = [];
  let mode: FallbackStatus['mode'] = 'primary';
  let sinceMs = deps.clock.now();
  let lastProbeMs = Number.NEGATIVE_INFINITY;
  let initialized = false;

  const pendingCount = (): number => pending.reduce((n, p) => n + p.count, 0);
  const switchTo = (next: FallbackStatus['mode'], why: string): void => {
    if (mode === next) return;
    mode = next;
    sinceMs = deps.clock.now();
    if (next === 'secondary') lastProbeMs = sinceMs;
    log.warn(
      { mode: next, reason: why },
      next === 'secondary' ? 'falling back to the secondary group' : 'back to the primary group',
    );
  };

  const askSecondary = async (n: number, signal?: AbortSignal): Promise<number> => {
    if (n <= 0) return 0;
    try {
      return await secondary.increase(n, signal);
    } catch (err: unknown) {
      log.error({ asked: n, err: describeError(err) }, 'secondary group increase failed');
      return 0;
    }
  };

  const askPrimary = async (n: number, signal?: AbortSignal): Promise<number> => {
    try {
      const got = await primary.increase(n, signal);
      if (got > 0) pending.push({ count: got, atMs: deps.clock.now() });
      return got;
    } catch (err: unknown) {
      log.warn({ asked: n, err: describeError(err) }, 'primary group refused capacity');
      switchTo('secondary', describeError(err));
      return 0;
    }
  };

  /** Asks `group` to withdraw up to `n` requested instances; 0 when it cannot or fails. */
  const withdraw = async (
    group: Provider,
    which: string,
    n: number,
    signal?: AbortSignal,
  ): Promise<number> => {
    if (n <= 0 || !group.cancelRequested) return 0;
    try {
      return Math.max(0, Math.min(n, await group.cancelRequested(n, signal)));
    } catch (err: unknown) {
      log.error(
        { asked: n, err: describeError(err) },
        `${which} group could not withdraw requests`,
      );
      return 0;
    }
  };

  /** Forgets `n` of the primary's pending instances, oldest first. */
  const dropPending = (n: number): void => {
    while (n > 0 && pending.length > 0) {
      const head = pending[0]!;
      const used = Math.min(head.count, n);
      head.count -= used;
      n -= used;
      if (head.count === 0) pending.shift();
    }
  };

  const settle = async (
    primaryList: readonly InstanceInfo[],
    signal?: AbortSignal,
  ): Promise<void> => {
    let appeared = 0;
    for (const i of primaryList) {
      if (!primaryIds.has(i.id)) {
        primaryIds.add(i.id);
        if (initialized) appeared++;
      }
    }
    if (mode === 'secondary' && appeared > 0)
      switchTo('primary', 'the primary group launched an instance again');
    dropPending(appeared);
    const now = deps.clock.now();
    const overdue = pending.filter((p) => now - p.atMs >= options.afterMs);
    if (overdue.length === 0) return;
    pending = pending.filter((p) => now - p.atMs < options.afterMs);
    const missing = overdue.reduce((n, p) => n + p.count, 0);
    switchTo(
      'secondary',
      `${missing} requested instance(s) did not appear within ${Math.round(options.afterMs / 1000)}s`,
    );
    const got = await askSecondary(missing, signal);
    const withdrawn = await withdraw(primary, 'primary', missing, signal);
    log.info(
      { missing, requested: got, withdrawnFromPrimary: withdrawn },
      'asked the secondary group for the missing capacity',
    );
  };

  return {
    async init(signal?: AbortSignal): Promise<ProviderInfo> {
      const [p, s] = await Promise.all([primary.init(signal), secondary.init(signal)]);
      return {
        id: `${p.id}+fallback:${s.id}`,
        maxSize: p.maxSize + s.maxSize,
        capabilities: p.capabilities ?? [],
      };
    },
    async update(signal?: AbortSignal): Promise<InstanceInfo[]> {
      const [p, s] = await Promise.all([primary.update(signal), secondary.update(signal)]);
      for (const i of s) secondaryIds.add(i.id);
      await settle(p, signal);
      initialized = true;
      return [
        ...p,
        ...s.map((i) => ({ ...i, detail: i.detail ? `fallback: ${i.detail}` : 'fallback group' })),
      ];
    },
    async increase(n: number, signal?: AbortSignal): Promise<number> {
      if (n <= 0) return 0;
      if (mode === 'primary') {
        const got = await askPrimary(n, signal);
        // askPrimary switches to the secondary when the primary refuses outright.
        const refused = (mode as FallbackStatus['mode']) === 'secondary';
        return got + (refused ? await askSecondary(n - got, signal) : 0);
      }
      let probe = 0;
      if (deps.clock.now() - lastProbeMs >= probeIntervalMs && pendingCount() === 0) {
        lastProbeMs = deps.clock.now();
        probe = await askPrimary(1, signal);
      }
      return probe + (await askSecondary(n - probe, signal));
    },
    /**
     * The engine gives up on `n` requested instances that never appeared: the primary's pending
     * ones first (oldest first), then the secondary's.
     */
    async cancelRequested(n: number, signal?: AbortSignal): Promise<number> {
      if (n <= 0) return 0;
      const fromPrimary = await withdraw(primary, 'primary', Math.min(n, pendingCount()), signal);
      dropPending(fromPrimary);
      return fromPrimary + (await withdraw(secondary, 'secondary', n - fromPrimary, signal));
    },
    async decrease(ids: readonly string[], signal?: AbortSignal): Promise<string[]> {
      const toSecondary = ids.filter((id) => secondaryIds.has(id) && !primaryIds.has(id));
      const toPrimary = ids.filter((id) => !toSecondary.includes(id));
      const done = await Promise.all([
        toPrimary.length ? primary.decrease(toPrimary, signal) : Promise.resolve([]),
        toSecondary.length ? secondary.decrease(toSecondary, signal) : Promise.resolve([]),
      ]);
      return done.flat();
    },
    connectInfo(id: string, signal?: AbortSignal): Promise<ConnectInfo> {
      return secondaryIds.has(id) && !primaryIds.has(id)
        ? secondary.connectInfo(id, signal)
        : primary.connectInfo(id, signal);
    },
    async shutdown(): Promise<void> {
      await Promise.all([primary.shutdown(), secondary.shutdown()]);
    },
    fallbackStatus: () => ({ mode, pendingPrimary: pendingCount(), sinceMs }),
    isSecondary: (id) => secondaryIds.has(id) && !primaryIds.has(id),
    increaseSecondary: (n, signal) => askSecondary(n, signal),
  };
}
