import { describe, expect, it } from 'vitest';
import { SpotrunnerError } from '../platform/errors.js';
import type { ReadyUpFn } from './options.js';
import { startScriptedFleet, startSimFleet } from './testing/fleet-harness.js';
import { testFleetOptions, testPolicies } from './testing/test-options.js';
import { ScriptedProvider } from './testing/scripted-provider.js';
import { createFleet } from './fleet-engine.js';
import { VirtualClock } from '../platform/clock.js';
import { MemoryLogger } from '../platform/logger.js';

const MIN = 60_000;
const always = (idleCount: number, idleTimeMs = 5 * MIN) => ({
  policies: [{ periods: ['* * * * *'], idleCount, idleTimeMs }],
});

describe('fleet readiness', () => {
  it('runs ready-up with the connect info before an instance takes jobs', async () => {
    const seen: string[] = [];
    let finish: () => void = () => undefined;
    const readyUp: ReadyUpFn = ({ id, connectInfo }) => {
      seen.push(`${id}@${connectInfo.internalAddr}`);
      return new Promise<void>((resolve) => (finish = resolve));
    };
    const h = await startSimFleet({ fleet: always(1), readyUp });
    await h.advance(MIN);
    expect(seen).toHaveLength(1);
    expect(h.count('readying')).toBe(1);
    expect(h.fleet.reserve('r').ok).toBe(false);
    finish();
    await h.advance(0);
    expect(h.count('ready')).toBe(1);
    expect(h.logs('instance ready')).toHaveLength(1);
  });

  it('removes an instance whose ready-up fails and backs scale-up off exponentially', async () => {
    const readyUp: ReadyUpFn = () => Promise.reject(new Error('cloud-init failed'));
    const h = await startScriptedFleet({
      fleet: { ...always(1), readyUpBackoffBaseMs: 10_000, readyUpBackoffMaxMs: 60_000 },
      readyUp,
      setup: (p) => (p.autoRun = true),
    });
    await h.advance(10 * MIN);
    const failures = h.logs('instance ready-up failed').map((r) => r.fields.backoffMs);
    expect(failures.slice(0, 4)).toEqual([10_000, 20_000, 40_000, 60_000]);
    // Without backoff this would be one attempt per 2 s poll (~300).
    expect(h.provider.increases.length).toBeLessThan(15);
    expect(h.logs('instance marked for removal')[0]?.fields).toMatchObject({
      reason: 'instance ready-up failed',
    });
    expect(h.fleet.counters().readyUpFailures).toBe(failures.length);
  });
});

describe('instance start timeout', () => {
  it('replaces an instance stuck creating at the provider, and the fleet can reach zero', async () => {
    const h = await startScriptedFleet({
      fleet: { ...always(1, MIN), instanceStartTimeoutMs: 5 * MIN, readyUpBackoffBaseMs: 1_000 },
    });
    await h.advance(10_000);
    const [stuck] = h.provider.ids('creating');
    expect(stuck).toBeDefined();
    await h.advance(4 * MIN);
    expect(h.provider.decreases.flat()).not.toContain(stuck);
    await h.advance(MIN + 10_000);
    expect(h.provider.decreases.flat()).toContain(stuck);
    expect(h.logs('instance ready-up failed')[0]?.fields.err).toMatch(
      /still creating at the provider 5m after it was first listed \(instance_start_timeout\)/,
    );
    expect(h.fleet.counters().startTimeouts).toBe(1);
    // A replacement was asked for (idle_count 1); once it runs, nothing else is pending.
    h.provider.reap();
    await h.advance(30_000);
    h.provider.runAll();
    await h.advance(10_000);
    expect(h.count('ready')).toBe(1);
    // Idle target 0 now: the healthy instance goes after idle_time, the fleet is empty.
    h.fleet.configurePolicies(
      testPolicies([{ periods: ['* * * * *'], idleCount: 0, idleTimeMs: MIN }]),
    );
    await h.advance(3 * MIN);
    h.provider.reap();
    await h.advance(MIN);
    expect(h.fleet.status().instances).toEqual([]);
  });

  it('replaces an instance whose ready-up never finishes', async () => {
    const signals: AbortSignal[] = [];
    const readyUp: ReadyUpFn = (_i, signal) => {
      signals.push(signal);
      return new Promise<void>(() => undefined);
    };
    const h = await startScriptedFleet({
      fleet: { ...always(1), instanceStartTimeoutMs: 3 * MIN },
      readyUp,
      setup: (p) => (p.autoRun = true),
    });
    await h.advance(2 * MIN);
    expect(h.count('readying')).toBe(1);
    await h.advance(90_000);
    expect(signals[0]?.aborted).toBe(true);
    expect(h.logs('instance ready-up failed')[0]?.fields.err).toMatch(/not ready 3m after/);
    expect(h.fleet.counters()).toMatchObject({ startTimeouts: 1, readyUpFailures: 1 });
  });

  it('withdraws requested instances that never appeared, and asks again while still needed', async () => {
    const h = await startScriptedFleet({
      fleet: { ...always(2), capacityPerInstance: 2, instanceStartTimeoutMs: 5 * MIN },
      setup: (p) => (p.holdBack = true),
    });
    const calls = h.provider.enableCancel();
    await h.advance(10_000);
    expect(h.provider.increases).toEqual([1]);
    expect(h.provider.held).toBe(1);
    expect(h.fleet.status().requested?.count).toBe(1);
    await h.advance(4 * MIN);
    expect(calls).toEqual([]);
    await h.advance(MIN);
    expect(calls).toEqual([1]);
    expect(h.fleet.counters().requestsWithdrawn).toBe(1);
    expect(h.logs('requested instances never appeared; withdrawn from the provider')).toHaveLength(
      1,
    );
    // Still needed (idle_count 2): asked again at once, not stuck waiting for the first.
    await h.advance(10_000);
    expect(h.provider.increases).toEqual([1, 1]);
    expect(h.provider.held).toBe(1);
    // Capacity comes back: the instance appears and is counted against the new request.
    h.provider.holdBack = false;
    h.provider.releaseHeld();
    h.provider.runAll();
    await h.advance(10_000);
    expect(h.count('ready')).toBe(1);
    expect(h.provider.increases).toEqual([1, 1]);
  });

  it('lets idle demand go to zero once a stale request is withdrawn', async () => {
    const h = await startScriptedFleet({
      fleet: { ...always(1), instanceStartTimeoutMs: 5 * MIN },
      setup: (p) => (p.holdBack = true),
    });
    h.provider.enableCancel();
    await h.advance(10_000);
    h.fleet.configurePolicies(
      testPolicies([{ periods: ['* * * * *'], idleCount: 0, idleTimeMs: MIN }]),
    );
    await h.advance(6 * MIN);
    expect(h.provider.held).toBe(0);
    expect(h.fleet.status().requested).toBeUndefined();
    expect(h.provider.increases).toEqual([1]);
    // Capacity returning later launches nothing: nobody asked for it any more.
    h.provider.holdBack = false;
    h.provider.releaseHeld();
    await h.advance(MIN);
    expect(h.provider.ids()).toEqual([]);
  });

  it('keeps counting requests a provider cannot withdraw, rather than asking again and again', async () => {
    const h = await startScriptedFleet({
      fleet: { ...always(1), instanceStartTimeoutMs: 5 * MIN },
      setup: (p) => (p.holdBack = true),
    });
    await h.advance(30 * MIN);
    expect(h.provider.increases).toEqual([1]);
    expect(h.fleet.counters().requestsWithdrawn).toBe(0);
  });

  it('leaves slow but progressing instances alone within the limit', async () => {
    const h = await startScriptedFleet({
      fleet: { ...always(1), instanceStartTimeoutMs: 20 * MIN },
    });
    await h.advance(15 * MIN);
    h.provider.runAll();
    await h.advance(10_000);
    expect(h.count('ready')).toBe(1);
    expect(h.fleet.counters().startTimeouts).toBe(0);
  });
});

describe('fleet lifecycle', () => {
  it('refuses to start twice', async () => {
    const h = await startSimFleet();
    expect(h.fleet.state).toBe('running');
    await expect(h.fleet.start()).rejects.toBeInstanceOf(SpotrunnerError);
  });

  it('fails start when the provider cannot initialise', async () => {
    const h = await startScriptedFleet({ start: false });
    h.provider.init = () => Promise.reject(new Error('no such group'));
    await expect(h.fleet.start()).rejects.toThrow('no such group');
    expect(h.fleet.state).toBe('failed');
  });

  it('on stop rejects waiting acquisitions and lets running jobs finish within the grace period', async () => {
    const h = await startSimFleet({ fleet: { maxInstances: 1, ...always(1) } });
    await h.advance(MIN);
    const running = await h.fleet.acquire('running');
    const waiting = h.fleet.acquire('waiting');
    const stopped = h.fleet.stop({ graceMs: 10 * MIN });
    await expect(waiting).rejects.toMatchObject({ code: 'canceled' });
    expect(h.fleet.state).toBe('draining');
    expect(h.fleet.reserve('late')).toMatchObject({ ok: false });
    await h.advance(2 * MIN);
    expect(h.fleet.state).toBe('draining');
    h.fleet.release(running.key);
    await h.advance(0);
    await stopped;
    expect(h.fleet.state).toBe('stopped');
    expect(h.clock.now()).toBeLessThan(Date.UTC(2026, 0, 5) + 10 * MIN);
  });

  it('stops after the grace period even if jobs still run', async () => {
    const h = await startSimFleet({ fleet: always(1) });
    await h.advance(MIN);
    await h.fleet.acquire('job');
    const stopped = h.fleet.stop({ graceMs: 30_000 });
    await h.advance(30_000);
    await stopped;
    expect(h.fleet.state).toBe('stopped');
    expect(h.logs('grace period over with jobs still running')).toHaveLength(1);
  });

  it('deletes every instance on shutdown when asked, re-checking at the shutdown interval', async () => {
    const h = await startScriptedFleet({
      fleet: {
        ...always(3),
        deleteInstancesOnShutdown: true,
        shutdownDeletionIntervalMs: 10_000,
        shutdownDeletionRetries: 3,
      },
      setup: (p) => (p.autoRun = true),
    });
    await h.advance(2_000);
    expect(h.count('ready')).toBe(3);
    h.provider.stickyDecrease = true;
    const stopped = h.fleet.stop({ graceMs: 0 });
    await h.advance(5_000);
    h.provider.stickyDecrease = false;
    await h.advance(10_000);
    h.provider.reap();
    await h.advance(10_000);
    await stopped;
    expect(h.provider.instances.size).toBe(0);
    expect(h.provider.decreases.length).toBe(2);
    expect(h.provider.shutdowns).toBe(1);
    expect(h.logs('all instances removed at shutdown')).toHaveLength(1);
  });

  it('keeps instances on shutdown by default and shuts the provider down once', async () => {
    const h = await startSimFleet({ fleet: always(2) });
    await h.advance(MIN);
    await h.fleet.stop({ graceMs: 0 });
    await h.fleet.stop({ graceMs: 0 });
    expect(h.provider.size).toBe(2);
    expect(h.fleet.state).toBe('stopped');
  });
});

describe('fleet options', () => {
  it('are taken whole: the engine refuses options it cannot run with instead of defaulting', () => {
    const deps = {
      clock: new VirtualClock(0),
      logger: new MemoryLogger(),
      provider: new ScriptedProvider(() => 0),
    };
    expect(() => createFleet(deps, testFleetOptions({ capacityPerInstance: 0 }))).toThrow(
      /capacityPerInstance must be a whole number ≥ 1, got 0/,
    );
    expect(() => createFleet(deps, { ...testFleetOptions(), policies: [] })).toThrow(
      /at least one policy/,
    );
    const fleet = createFleet(deps, testFleetOptions());
    expect(() => fleet.configurePolicies([])).toThrow(/at least one policy/);
  });
});
