import { describe, expect, it } from 'vitest';
import { SpotrunnerError } from '../platform/errors.js';
import { InstanceInterruptedError } from './acquisition.js';
import { testPolicies, type TestFleetOptions } from './testing/test-options.js';
import { startScriptedFleet } from './testing/fleet-harness.js';

const MIN = 60_000;
const always = (idleCount: number, idleTimeMs = 5 * MIN) => ({
  policies: [{ periods: ['* * * * *'], idleCount, idleTimeMs }],
});

/**
 * A fleet of `n` ready instances on the scripted provider, grown with idle_count n; `then`
 * replaces the policies once they are ready.
 */
async function readyFleet(n: number, fleet: TestFleetOptions = {}, then?: TestFleetOptions) {
  const h = await startScriptedFleet({
    fleet: { ...fleet, ...always(n * (fleet.capacityPerInstance ?? 1)) },
  });
  await h.advance(0);
  h.provider.runAll();
  await h.advance(2_000);
  expect(h.count('ready')).toBe(n);
  if (then?.policies) h.fleet.configurePolicies(testPolicies(then.policies));
  return h;
}

describe('fleet instances', () => {
  it('removes an instance after max_use_count jobs once its slots drain', async () => {
    const h = await readyFleet(1, { capacityPerInstance: 2, maxUseCount: 2 });
    const a = await h.fleet.acquire('a');
    const b = await h.fleet.acquire('b');
    expect(b.instanceId).toBe(a.instanceId);
    const c = h.fleet.acquire('c');
    await h.advance(0);
    expect(h.fleet.status().instances.find((i) => i.id === a.instanceId)?.status).toBe('draining');
    h.fleet.release('a');
    await h.advance(0);
    expect(h.provider.decreases).toEqual([]);
    h.fleet.release('b');
    await h.advance(0);
    expect(h.provider.decreases).toEqual([[a.instanceId]]);
    h.provider.runAll();
    await h.advance(2_000);
    expect((await c).instanceId).not.toBe(a.instanceId);
  });

  it('replaces an instance after failure_threshold unhealthy releases and never hands it out again', async () => {
    const h = await readyFleet(1, { failureThreshold: 3 });
    const id = h.provider.ids('running')[0]!;
    for (const key of ['a', 'b']) {
      await h.fleet.acquire(key);
      h.fleet.release(key, { healthy: false });
    }
    await h.fleet.acquire('ok');
    h.fleet.release('ok');
    for (const key of ['c', 'd', 'e']) {
      expect((await h.fleet.acquire(key)).instanceId).toBe(id);
      h.fleet.release(key, { healthy: false });
    }
    await h.advance(0);
    expect(h.provider.decreases).toEqual([[id]]);
    expect(h.logs('instance failure threshold reached')).toHaveLength(1);
    const next = h.fleet.acquire('f');
    h.provider.reap();
    await h.advance(2_000);
    h.provider.runAll();
    await h.advance(2_000);
    expect((await next).instanceId).not.toBe(id);
  });

  it('aborts the acquisitions of a vanished instance and does not replace phantom demand', async () => {
    const h = await readyFleet(2, {}, always(0, 60 * MIN));
    const a = await h.fleet.acquire('a');
    await h.fleet.acquire('b');
    const increases = h.provider.increases.length;
    h.provider.vanish(a.instanceId);
    await h.advance(MIN);
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toMatchObject({ code: 'instance_lost' });
    expect(h.logs('instance unexpectedly removed')[0]?.fields).toMatchObject({
      instance: a.instanceId,
    });
    await h.advance(5 * MIN);
    expect(h.provider.increases.length).toBe(increases);
    expect(h.fleet.status().acquired).toBe(2);
    h.fleet.release('a');
    expect(h.fleet.status().acquired).toBe(1);
  });

  it('treats an instance reported deleting without our request as lost', async () => {
    const h = await readyFleet(1);
    const a = await h.fleet.acquire('a');
    h.provider.setState(a.instanceId, 'deleting');
    await h.advance(2_000);
    expect(a.signal.aborted).toBe(true);
    expect(h.logs('instance unexpectedly removed')).toHaveLength(1);
  });

  it('on a termination notice aborts acquisitions with the deadline and takes no new jobs there', async () => {
    const h = await readyFleet(2, {}, always(1, 60 * MIN));
    const a = await h.fleet.acquire('a');
    const deadlineMs = h.clock.now() + 120_000;
    h.provider.interrupt(a.instanceId, { kind: 'termination', deadlineMs });
    await h.fleet.refresh();
    expect(a.signal.reason).toBeInstanceOf(InstanceInterruptedError);
    expect(a.signal.reason).toMatchObject({ code: 'instance_lost', deadlineMs });
    const b = await h.fleet.acquire('b');
    expect(b.instanceId).not.toBe(a.instanceId);
    h.fleet.release('a');
    await h.advance(0);
    expect(h.provider.decreases).toContainEqual([a.instanceId]);
  });

  it('refresh after a notice polls again when a poll that predates the notice is in flight', async () => {
    const h = await readyFleet(2, {}, always(1, 60 * MIN));
    const a = await h.fleet.acquire('a');
    const provider = h.provider;
    const original = provider.update.bind(provider);
    let release = (): void => undefined;
    provider.update = () => {
      const listing = original(); // taken now: before the notice below
      return new Promise((resolve) => {
        release = () => resolve(listing);
      });
    };
    const first = h.fleet.refresh();
    provider.interrupt(a.instanceId, { kind: 'termination', deadlineMs: h.clock.now() + 120_000 });
    provider.update = original;
    const second = h.fleet.refresh();
    release();
    await first;
    expect(a.signal.aborted).toBe(false);
    await second;
    expect(a.signal.reason).toBeInstanceOf(InstanceInterruptedError);
  });

  it('on a rebalance recommendation drains without touching running jobs', async () => {
    const h = await readyFleet(2, {}, always(0, 60 * MIN));
    const a = await h.fleet.acquire('a');
    h.provider.interrupt(a.instanceId, { kind: 'rebalance', deadlineMs: h.clock.now() });
    await h.fleet.refresh();
    expect(a.signal.aborted).toBe(false);
    expect(h.fleet.status().instances.find((i) => i.id === a.instanceId)?.status).toBe('draining');
    expect((await h.fleet.acquire('b')).instanceId).not.toBe(a.instanceId);
    h.fleet.release('a');
    await h.advance(0);
    expect(h.provider.decreases).toContainEqual([a.instanceId]);
  });

  it('never lands an acquisition on an avoided instance', async () => {
    const h = await readyFleet(2, {}, always(2));
    const [first, second] = h.provider.ids('running');
    expect((await h.fleet.acquire('a', { avoid: [first!] })).instanceId).toBe(second);
    const waiting = h.fleet.acquire('b', { avoid: [first!] });
    h.fleet.release('a');
    expect((await waiting).instanceId).toBe(second);
  });

  it('lands an acquisition with an accept filter only on an instance the filter takes', async () => {
    const h = await readyFleet(3, {}, always(3));
    const [first, second, third] = h.provider.ids('running');
    const onlyThird = (id: string): boolean => id === third;
    expect((await h.fleet.acquire('a', { accept: onlyThird })).instanceId).toBe(third);
    const waiting = h.fleet.acquire('b', { accept: onlyThird });
    expect((await h.fleet.acquire('c')).instanceId).toBe(first);
    expect((await h.fleet.acquire('d')).instanceId).toBe(second);
    h.fleet.release('a');
    expect((await waiting).instanceId).toBe(third);
  });

  it('drains an instance on operator request and removes it once empty', async () => {
    const h = await readyFleet(1, {}, always(1, 60 * MIN));
    const a = await h.fleet.acquire('a');
    expect(h.fleet.drain(a.instanceId, 'operator')).toBe(true);
    expect(h.fleet.drain(a.instanceId, 'operator')).toBe(false);
    expect(h.fleet.drain('i-unknown', 'operator')).toBe(false);
    h.fleet.release('a');
    await h.advance(0);
    expect(h.logs('instance marked for removal').at(-1)?.fields).toMatchObject({
      reason: 'operator',
    });
  });

  it('re-issues a removal after deletion_retry_interval while the provider still lists the instance', async () => {
    const h = await readyFleet(1, { deletionRetryIntervalMs: 30_000 }, always(0, MIN));
    h.provider.stickyDecrease = true;
    await h.advance(2 * MIN);
    const id = h.provider.ids()[0]!;
    expect(h.provider.decreases.filter((d) => d.includes(id)).length).toBeGreaterThanOrEqual(1);
    const first = h.provider.decreases.length;
    await h.advance(35_000);
    expect(h.provider.decreases.length).toBe(first + 1);
    h.provider.stickyDecrease = false;
    await h.advance(31_000);
    h.provider.reap();
    await h.advance(2_000);
    expect(h.count()).toBe(0);
  });

  it('does not count an instance twice while its removal is in flight', async () => {
    const h = await readyFleet(3, {}, always(3, MIN));
    h.fleet.configurePolicies(
      testPolicies([{ periods: ['* * * * *'], idleCount: 1, idleTimeMs: MIN }]),
    );
    h.provider.stickyDecrease = true;
    await h.advance(5 * MIN);
    const removed = new Set(h.provider.decreases.flat());
    expect(removed.size).toBe(2);
    expect(h.count('ready')).toBe(1);
  });

  it('removes instances that existed before start unless told to adopt them', async () => {
    const removed = await startScriptedFleet({ setup: (p) => p.add('running') });
    await removed.advance(0);
    expect(removed.provider.decreases).toEqual([['i-1']]);
    expect(removed.logs('instance marked for removal')[0]?.fields).toMatchObject({
      reason: 'pre-existing instance',
    });
    const adopted = await startScriptedFleet({
      fleet: { preexistingInstances: 'adopt', ...always(1) },
      setup: (p) => p.add('running'),
    });
    await adopted.advance(0);
    expect(adopted.count('ready')).toBe(1);
    expect(adopted.provider.increases).toEqual([]);
  });

  it('adopts the pre-existing instances a restarted manager trusts, with their use counts', async () => {
    const h = await startScriptedFleet({
      fleet: {
        maxUseCount: 5,
        ...always(2),
        preexistingInstances: (id) =>
          id === 'i-1' ? { adopt: true, useCount: 4 } : { adopt: false },
      },
      setup: (p) => {
        p.add('running');
        p.add('running');
      },
    });
    await h.advance(0);
    expect(h.provider.decreases).toEqual([['i-2']]);
    const kept = h.fleet.status().instances.find((i) => i.id === 'i-1');
    expect(kept).toMatchObject({ status: 'ready', useCount: 4 });
    await h.fleet.acquire('last', { jobId: 1 });
    h.fleet.release('last');
    await h.advance(10_000);
    expect(h.provider.decreases.flat()).toContain('i-1');
  });

  it('reports every instance in status()', async () => {
    const h = await readyFleet(2, { capacityPerInstance: 3 });
    await h.fleet.acquire('a', { jobId: 42 });
    const s = h.fleet.status();
    expect(s.providerId).toBe('scripted');
    expect(s.instances).toHaveLength(2);
    expect(s.instances.find((i) => i.slotsInUse === 1)).toMatchObject({
      status: 'ready',
      capacity: 3,
      useCount: 1,
      jobIds: [42],
    });
    expect(s).toMatchObject({ acquired: 1, pending: 0, reserved: 0, policyIndex: 0 });
  });

  it('refuses to acquire the same key twice', async () => {
    const h = await readyFleet(2);
    await h.fleet.acquire('a');
    await expect(h.fleet.acquire('a')).rejects.toBeInstanceOf(SpotrunnerError);
  });

  it('calls onAbort listeners with the same reason as the signal', async () => {
    const h = await readyFleet(1);
    const a = await h.fleet.acquire('a');
    const reasons: Error[] = [];
    a.onAbort?.((r) => reasons.push(r));
    const off = a.onAbort?.(() => reasons.push(new Error('unsubscribed listener ran')));
    off?.();
    h.provider.interrupt(a.instanceId, {
      kind: 'termination',
      deadlineMs: h.clock.now() + 120_000,
    });
    await h.fleet.refresh();
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBe(a.signal.reason);
    const late: Error[] = [];
    a.onAbort?.((r) => late.push(r));
    await h.advance(0);
    expect(late).toEqual([a.signal.reason]);
  });

  it('follows a provider that changes the listed objects in place', async () => {
    const h = await startScriptedFleet({ fleet: always(1) });
    const listing = [{ id: 'i-9', state: 'creating' as const }];
    const mutable: { id: string; state: 'creating' | 'running' }[] = listing;
    h.provider.update = () => Promise.resolve(mutable);
    h.provider.increase = () => Promise.resolve(1);
    await h.fleet.refresh();
    await h.fleet.refresh();
    expect(h.count('creating')).toBe(1);
    mutable[0]!.state = 'running';
    await h.fleet.refresh();
    expect(h.count('ready')).toBe(1);
  });
});
