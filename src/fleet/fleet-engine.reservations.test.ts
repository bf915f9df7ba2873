import { describe, expect, it } from 'vitest';
import type { FleetPolicy } from './options.js';
import { startScriptedFleet, startSimFleet } from './testing/fleet-harness.js';
import { testPolicy } from './testing/test-options.js';

const MIN = 60_000;
const policy = (idleCount: number, extra: Partial<FleetPolicy> = {}): FleetPolicy =>
  testPolicy({ periods: ['* * * * *'], idleCount, idleTimeMs: 5 * MIN, ...extra });

describe('fleet reservations', () => {
  it('in preemptive mode reserves only while a ready slot is free', async () => {
    const h = await startSimFleet({ fleet: { policies: [policy(1)] } });
    expect(h.fleet.reserve('r1')).toMatchObject({ ok: false, reason: /no free capacity/ });
    await h.advance(MIN);
    expect(h.fleet.reserve('r1')).toEqual({ ok: true });
    expect(h.fleet.reserve('r1')).toEqual({ ok: true });
    expect(h.fleet.reserve('r2')).toMatchObject({ ok: false });
    h.fleet.unreserve('r1');
    expect(h.fleet.reserve('r2')).toEqual({ ok: true });
  });

  it('in non-preemptive mode reserves while capacity could exist under max_instances', async () => {
    const h = await startSimFleet({
      fleet: { maxInstances: 2, capacityPerInstance: 2, policies: [policy(0)] },
    });
    for (const k of ['a', 'b', 'c', 'd']) expect(h.fleet.reserve(k)).toEqual({ ok: true });
    expect(h.fleet.reserve('e')).toMatchObject({ ok: false, reason: /max_instances/ });
    await h.advance(5 * MIN);
    // Reservations alone do not create instances.
    expect(h.provider.counters().launches).toBe(0);
    const acq = h.fleet.acquire('a');
    await h.advance(MIN);
    expect((await acq).key).toBe('a');
    expect(h.fleet.status()).toMatchObject({ reserved: 3, acquired: 1 });
  });

  it('honours an explicit preemptive_mode over the idle_count default', async () => {
    const h = await startSimFleet({ fleet: { policies: [policy(2, { preemptiveMode: false })] } });
    expect(h.fleet.reserve('r')).toEqual({ ok: true });
  });

  it('lets held reservations pin an idle fleet without throttling', async () => {
    const h = await startScriptedFleet({
      fleet: { reservationThrottling: false, policies: [policy(4, { idleTimeMs: MIN })] },
    });
    await h.advance(0);
    h.provider.runAll();
    await h.advance(2_000);
    for (const k of ['a', 'b', 'c']) expect(h.fleet.reserve(k).ok).toBe(true);
    h.fleet.configurePolicies([policy(0, { idleTimeMs: MIN, preemptiveMode: true })]);
    await h.advance(5 * MIN);
    expect(h.count('ready')).toBe(3);
  });

  it('with reservation throttling lets the idle fleet shrink below the reservations', async () => {
    const h = await startScriptedFleet({
      fleet: { reservationThrottling: true, policies: [policy(4, { idleTimeMs: MIN })] },
    });
    await h.advance(0);
    h.provider.runAll();
    await h.advance(2_000);
    for (const k of ['a', 'b', 'c']) expect(h.fleet.reserve(k).ok).toBe(true);
    h.fleet.configurePolicies([policy(0, { idleTimeMs: MIN, preemptiveMode: true })]);
    // A runner that keeps polling: each poll returns 204, unreserves and reserves again.
    for (let t = 0; t < 10; t++) {
      for (const k of ['a', 'b', 'c']) {
        h.fleet.unreserve(k);
        h.fleet.reserve(k);
      }
      await h.advance(MIN);
      h.provider.reap();
    }
    expect(h.count('ready')).toBeLessThan(3);
    expect(h.fleet.status().reserved).toBeLessThan(3);
  });

  it('consumes the reservation when its key acquires', async () => {
    const h = await startSimFleet({ fleet: { policies: [policy(2)] } });
    await h.advance(MIN);
    expect(h.fleet.reserve('job').ok).toBe(true);
    await h.fleet.acquire('job');
    expect(h.fleet.status()).toMatchObject({ reserved: 0, acquired: 1 });
  });

  it('refuses reservations and acquisitions before start', async () => {
    const h = await startSimFleet({ start: false });
    expect(h.fleet.reserve('r')).toEqual({ ok: false, reason: 'fleet is not running' });
    await expect(h.fleet.acquire('a')).rejects.toMatchObject({ code: 'state' });
  });
});
