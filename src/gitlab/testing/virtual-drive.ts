/**
 * Driving a VirtualClock while real loopback HTTP happens: the clock only moves when no request
 * is in flight, so sleeps (retries, intervals) pass instantly but I/O is never overtaken.
 */
import type { VirtualClock } from '../../platform/clock.js';

export interface TrackedFetch {
  fetch: typeof fetch;
  inFlight(): number;
}

const NULL_BODY = new Set([101, 204, 205, 304]);

/** A fetch that reads each response fully before resolving, and counts what is in flight. */
export function trackedFetch(base: typeof fetch = globalThis.fetch): TrackedFetch {
  let inFlight = 0;
  const tracked = async (
    input: Parameters<typeof fetch>[0],
    init?: RequestInit,
  ): Promise<Response> => {
    inFlight++;
    try {
      const res = await base(input, init);
      const body = await res.arrayBuffer();
      return new Response(NULL_BODY.has(res.status) ? null : body, {
        status: res.status,
        statusText: res.statusText,
        headers: res.headers,
      });
    } finally {
      inFlight--;
    }
  };
  return { fetch: tracked, inFlight: () => inFlight };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Awaits `work`, advancing the clock to the next timer whenever nothing is in flight. */
export async function drive<T>(
  clock: VirtualClock,
  net: TrackedFetch,
  work: Promise<T>,
  limitMs = 24 * 3600_000,
): Promise<T> {
  let settled = false;
  work.then(
    () => (settled = true),
    () => (settled = true),
  );
  const start = clock.now();
  for (let spins = 0; !settled; spins++) {
    if (spins > 2_000_000) throw new Error('drive: no progress');
    await turn();
    if (settled || net.inFlight() > 0) continue;
    const next = clock.nextTimerAt();
    if (next === undefined) continue;
    if (next - start > limitMs) throw new Error(`drive: virtual time limit ${limitMs} ms passed`);
    await clock.runUntil(next);
  }
  return work;
}

/** Lets `ms` of virtual time pass, with I/O finishing between timers. */
export async function driveFor(clock: VirtualClock, net: TrackedFetch, ms: number): Promise<void> {
  const target = clock.now() + ms;
  let quiet = 0;
  while (quiet < 20) {
    await turn();
    if (net.inFlight() > 0) {
      quiet = 0;
      continue;
    }
    const next = clock.nextTimerAt();
    if (next !== undefined && next <= target) {
      quiet = 0;
      await clock.runUntil(next);
      continue;
    }
    quiet++;
  }
  await clock.runUntil(target);
}
