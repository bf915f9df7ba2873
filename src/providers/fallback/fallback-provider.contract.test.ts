import { VirtualClock } from '../../platform/clock.js';
import { MemoryLogger } from '../../platform/logger.js';
import { SpotrunnerError } from '../../platform/errors.js';
import { describeProviderContract } from '../provider.contract.js';
import type { Provider } from '../provider.js';
import { createSimProvider } from '../sim/sim-provider.js';
import { createFallbackProvider } from './fallback-provider.js';

/**
 * Two simulated groups have the same instance ids; real groups never share one. Gives the
 * secondary's instances their own (`od-…`).
 */
function withIdPrefix(provider: Provider, prefix: string): Provider {
  const strip = (id: string): string =>
    id.startsWith(prefix) ? id.slice(prefix.length) : `?${id}`;
  return {
    init: (signal) => provider.init(signal),
    update: async (signal) =>
      (await provider.update(signal)).map((i) => ({ ...i, id: `${prefix}${i.id}` })),
    increase: (n, signal) => provider.increase(n, signal),
    decrease: async (ids, signal) =>
      (await provider.decrease(ids.map(strip), signal)).map((id) => `${prefix}${id}`),
    connectInfo: async (id, signal) => ({
      ...(await provider.connectInfo(strip(id), signal)),
      id,
    }),
    shutdown: () => provider.shutdown(),
  };
}

/** A primary group that refuses every request (no capacity of this kind in the region). */
function refusing(provider: Provider): Provider {
  return {
    ...provider,
    init: (signal) => provider.init(signal),
    update: (signal) => provider.update(signal),
    decrease: (ids, signal) => provider.decrease(ids, signal),
    connectInfo: (id, signal) => provider.connectInfo(id, signal),
    shutdown: () => provider.shutdown(),
    increase: () =>
      Promise.reject(new SpotrunnerError('provider_capacity', 'insufficient capacity (sim)')),
  };
}

function subject(primaryRefuses: boolean) {
  return async () => {
    const clock = new VirtualClock();
    const sim = (seed: number): Provider => createSimProvider({ clock }, { seed, maxSize: 4 });
    const primary = primaryRefuses ? refusing(sim(7)) : sim(7);
    const provider = createFallbackProvider(
      { clock, logger: new MemoryLogger() },
      primary,
      withIdPrefix(sim(8), 'od-'),
      { afterMs: 180_000 },
    );
    return {
      provider,
      clock,
      advance: (ms: number) => clock.advance(ms),
      cleanup: () => provider.shutdown(),
    };
  };
}

describeProviderContract('fallback (primary has capacity)', subject(false));
describeProviderContract('fallback (primary refuses, secondary serves)', subject(true));
