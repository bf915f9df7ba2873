import { describe, expect, it } from 'vitest';
import type { ScriptedProvider } from './testing/scripted-provider.js';
import { startScriptedFleet } from './testing/fleet-harness.js';

const MIN = 60_000;
const always = (idleCount: number) => ({
  policies: [{ periods: ['* * * * *'], idleCount, idleTimeMs: 5 * MIN }],
});

/** Records when provider.update() is called. */
function recordUpdates(provider: ScriptedProvider, now: () => number): number[] {
  const at: number[] = [];
  const inner = provider.update.bind(provider);
  provider.update = () => {
    at.push(now());
    return inner();
  };
  return at;
}

const gapsOf = (at: readonly number[]): number[] => at.slice(1).map((t, i) => t - at[i]!);

describe('fleet polling while a change is expected', () => {
  it('backs off while the listing stays the same, never beyond update_interval', async () => {
    const h = await startScriptedFleet({ fleet: always(1) });
    const at = recordUpdates(h.provider, () => h.clock.now());
    // The instance stays pending at the provider for 10 minutes.
    await h.advance(10 * MIN);
    expect(h.count('creating')).toBe(1);
    // Every 2 s would be ~300 polls.
    expect(at.length).toBeLessThan(40);
    const gaps = gapsOf(at);
    expect(Math.min(...gaps)).toBe(2_000);
    expect(Math.max(...gaps)).toBe(MIN);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]!);
  });

  it('polls at update_interval_when_expecting again once the listing changes', async () => {
    const h = await startScriptedFleet({ fleet: { ...always(2), capacityPerInstance: 1 } });
    const at = recordUpdates(h.provider, () => h.clock.now());
    await h.advance(10 * MIN);
    expect(h.provider.ids('creating')).toEqual(['i-1', 'i-2']);
    const before = at.length;
    h.provider.setState('i-1', 'running');
    await h.advance(MIN);
    // The first poll that sees the change is followed 2 s later by the next (i-2 still pending).
    const after = at.slice(before - 1);
    expect(gapsOf(after)[0]).toBeLessThanOrEqual(MIN);
    expect(gapsOf(after)[1]).toBe(2_000);
    expect(h.count('ready')).toBe(1);
  });

  it('polls at update_interval_when_expecting right after a new increase', async () => {
    const h = await startScriptedFleet({ fleet: { ...always(1), maxInstances: 3 } });
    const at = recordUpdates(h.provider, () => h.clock.now());
    await h.advance(10 * MIN);
    expect(gapsOf(at).at(-1)).toBe(MIN);
    const asked = h.clock.now();
    void h.fleet.acquire('job').catch(() => undefined);
    await h.advance(2_000);
    expect(h.provider.increases).toEqual([1, 1]);
    expect(at.filter((t) => t > asked)).toEqual([asked + 2_000]);
    await h.advance(4_000);
    expect(at.filter((t) => t > asked)).toEqual([asked + 2_000, asked + 4_000, asked + 6_000]);
  });

  it('keeps update_interval when nothing is expected', async () => {
    const h = await startScriptedFleet({
      fleet: always(1),
      setup: (p) => (p.autoRun = true),
    });
    await h.advance(10_000);
    expect(h.count('ready')).toBe(1);
    const at = recordUpdates(h.provider, () => h.clock.now());
    await h.advance(10 * MIN);
    expect(new Set(gapsOf(at))).toEqual(new Set([MIN]));
  });
});
