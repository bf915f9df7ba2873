import { describe, expect, it } from 'vitest';
import { SpotrunnerError } from '../platform/errors.js';
import type { Acquisition } from './fleet.js';
import { startScriptedFleet, startSimFleet } from './testing/fleet-harness.js';

const MIN = 60_000;
const always = (idleCount: number, idleTimeMs = 5 * MIN, extra = {}) => ({
  policies: [{ periods: ['* * * * *'], idleCount, idleTimeMs, ...extra }],
});

describe('fleet scaling', () => {
  it('keeps five idle instances for capacity 1 and idle_count 5', async () => {
    const h = await startSimFleet({ fleet: { capacityPerInstance: 1, ...always(5) } });
    await h.advance(2 * MIN);
    expect(h.count('ready')).toBe(5);
    expect(h.provider.counters().launches).toBe(5);
  });

  it('keeps one spare instance for capacity 5 and idle_count 5', async () => {
    const h = await startSimFleet({ fleet: { capacityPerInstance: 5, ...always(5) } });
    await h.advance(2 * MIN);
    expect(h.count('ready')).toBe(1);
    const acqs = await Promise.all([1, 2, 3].map((n) => h.fleet.acquire(`k${n}`)));
    expect(new Set(acqs.map((a) => a.instanceId)).size).toBe(1);
    await h.advance(2 * MIN);
    expect(h.count('ready')).toBe(2);
  });

  it('runs at most max_instances × capacity_per_instance jobs at once', async () => {
    const h = await startSimFleet({
      fleet: { capacityPerInstance: 2, maxInstances: 4, ...always(2) },
    });
    const acquired: Acquisition[] = [];
    for (let n = 0; n < 9; n++) void h.fleet.acquire(`k${n}`).then((a) => acquired.push(a));
    await h.advance(5 * MIN);
    expect(acquired).toHaveLength(8);
    expect(h.count()).toBe(4);
    expect(h.fleet.status().pending).toBe(1);
    h.fleet.release(acquired[0]!.key);
    await h.advance(1000);
    expect(acquired).toHaveLength(9);
  });

  it('starts scaling up as soon as a job waits, without waiting for the next poll', async () => {
    const h = await startSimFleet({ fleet: always(0) });
    await h.advance(10 * MIN);
    expect(h.count()).toBe(0);
    const start = h.clock.now();
    let got: Acquisition | undefined;
    void h.fleet.acquire('job').then((a) => (got = a));
    await h.advance(0);
    expect(h.provider.counters().launches).toBe(1);
    await h.advance(40_000);
    expect(got).toBeDefined();
    // 30 s boot + at most one 2 s poll while expecting.
    expect(h.clock.now() - start).toBeLessThanOrEqual(40_000);
  });

  it('scales to zero once the last instance has been idle for idle_time', async () => {
    const h = await startSimFleet({ fleet: always(0, 5 * MIN) });
    const acq = h.fleet.acquire('job');
    await h.advance(MIN);
    const a = await acq;
    await h.advance(10 * MIN);
    h.fleet.release(a.key);
    await h.advance(4 * MIN);
    expect(h.count('ready')).toBe(1);
    await h.advance(2 * MIN + 10_000);
    expect(h.count()).toBe(0);
    expect(h.logs('instance marked for removal')[0]?.fields).toMatchObject({
      reason: 'instance exceeded max idle time',
    });
  });

  it('restarts the idle clock at the end of each job', async () => {
    const h = await startSimFleet({ fleet: always(0, 5 * MIN) });
    const p = h.fleet.acquire('a');
    await h.advance(MIN);
    const first = await p;
    h.fleet.release('a');
    await h.advance(4 * MIN);
    const second = await h.fleet.acquire('b');
    expect(second.instanceId).toBe(first.instanceId);
    await h.advance(3 * MIN);
    h.fleet.release('b');
    await h.advance(4 * MIN);
    expect(h.count('ready')).toBe(1);
    await h.advance(2 * MIN + 10_000);
    expect(h.count()).toBe(0);
  });

  it('creates instances no faster than the scale throttle allows', async () => {
    const h = await startScriptedFleet({
      fleet: { scaleThrottleLimitPerSec: 1, scaleThrottleBurst: 2, ...always(6) },
    });
    await h.advance(0);
    expect(h.provider.increases).toEqual([2]);
    await h.advance(4_000);
    expect(h.provider.increases.reduce((a, b) => a + b, 0)).toBe(6);
    expect(h.provider.increases.slice(1).every((n) => n === 1)).toBe(true);
  });

  it('rejects an acquire that waits longer than instance_acquire_timeout', async () => {
    const h = await startSimFleet({
      fleet: always(0),
      sim: { capacityOutages: [{ fromMs: 0, toMs: 60 * MIN }] },
    });
    const p = h.fleet.acquire('job', { jobId: 7 });
    const outcome = p.then(
      () => 'acquired',
      (err: unknown) => err,
    );
    await h.advance(15 * MIN);
    const err = await outcome;
    expect(err).toBeInstanceOf(SpotrunnerError);
    expect(err).toMatchObject({
      code: 'acquire_timeout',
      message: 'unable to acquire instance within the configured timeout of 15m0s',
    });
    expect(h.fleet.status().pending).toBe(0);
    expect(h.logs('provider created fewer instances than requested').length).toBeGreaterThan(0);
  });

  it('gives up waiting when the acquire signal is aborted', async () => {
    const h = await startScriptedFleet({ fleet: always(0) });
    const ac = new AbortController();
    const p = h.fleet.acquire('job', { signal: ac.signal });
    await h.advance(0);
    ac.abort(new Error('job canceled'));
    await expect(p).rejects.toThrow('job canceled');
    expect(h.fleet.status().pending).toBe(0);
  });

  it('logs provider errors and keeps polling', async () => {
    const h = await startScriptedFleet({ fleet: always(1), setup: (p) => (p.failUpdates = 2) });
    expect(h.fleet.status().lastError).toMatch(/update failed/);
    await h.advance(3 * MIN);
    expect(h.logs('provider update failed')).toHaveLength(2);
    expect(h.fleet.status().lastError).toBeUndefined();
    h.provider.runAll();
    await h.advance(MIN);
    expect(h.count('ready')).toBe(1);
  });

  it('polls every update_interval, and every update_interval_when_expecting while changes are due', async () => {
    const h = await startScriptedFleet({ fleet: always(0) });
    const before = h.provider.updates;
    await h.advance(10 * MIN);
    expect(h.provider.updates - before).toBe(10);
    void h.fleet.acquire('job');
    await h.advance(20_000);
    expect(h.provider.updates - before).toBeGreaterThanOrEqual(19);
  });

  it('logs the capacity info of each required scaling change', async () => {
    const h = await startSimFleet({ fleet: { capacityPerInstance: 2, ...always(3) } });
    const rec = h.logs('required scaling change')[0];
    expect(rec?.fields).toMatchObject({
      required: 2,
      capacityInfo: {
        instanceCount: 0,
        idleTarget: 3,
        capacityPerInstance: 2,
        acquired: 0,
        pending: 0,
      },
    });
  });

  it('stops waiting when a waiting acquisition is released', async () => {
    const h = await startScriptedFleet({ fleet: always(0) });
    const p = h.fleet.acquire('job');
    await h.advance(0);
    h.fleet.release('job');
    await expect(p).rejects.toMatchObject({ code: 'canceled' });
    expect(h.fleet.status().pending).toBe(0);
    expect(h.logs('release of unknown acquisition')).toHaveLength(0);
  });
});
