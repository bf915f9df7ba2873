import { afterEach, describe, expect, it } from 'vitest';
import { startAwsFixture, type AwsFixture } from '../../test/support/aws/aws-fixture.js';
import { defaultAwsProviderOptions } from '../providers/aws/index.js';
import type { AwsGroupHandle } from '../providers/aws/group-handle.js';
import { reconcileOrphans, type OrphanScope } from './orphan-reconcile.js';

let fx: AwsFixture | undefined;

afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const OURS = { 'spotrunner:manager': 'mgr-a', 'spotrunner:runner': 'spot' };
const HOUR = 3_600_000;

async function setup(): Promise<{ fx: AwsFixture; handle: AwsGroupHandle }> {
  fx = await startAwsFixture({
    groups: [
      {
        name: 'g',
        max: 3,
        tags: Object.entries(OURS).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      },
    ],
  });
  const options = defaultAwsProviderOptions('g', { managerName: 'mgr-a', runnerName: 'spot' });
  const provider = fx.provider('g', { managerName: 'mgr-a', runnerName: 'spot' });
  await provider.init();
  return {
    fx,
    handle: { role: 'primary', provider, clients: fx.clients, options, clientKey: 'double' },
  };
}

function scope(handle: AwsGroupHandle, known: string[] = [], graceMs = 600_000): OrphanScope {
  return { runnerName: 'spot', orphanGraceMs: graceMs, awsGroups: [handle], knownIds: () => known };
}

function deps(f: AwsFixture, scopes: OrphanScope[]) {
  return { clock: f.clock, logger: f.logger, managerName: 'mgr-a', scopes: () => scopes };
}

function ec2State(f: AwsFixture, id: string): string | undefined {
  return f.double.controls.instances().find((i) => i.id === id)?.ec2State;
}

describe('reconcileOrphans', () => {
  it('terminates old instances tagged for this manager that no fleet knows, with EC2 outside our groups', async () => {
    const { fx: f, handle } = await setup();
    const c = f.double.controls;
    const old = c.addStandalone({ tags: OURS, ageMs: 2 * HOUR });
    const young = c.addStandalone({ tags: OURS, ageMs: 60_000 });
    const known = c.addStandalone({ tags: OURS, ageMs: 2 * HOUR });
    const otherManager = c.addStandalone({
      tags: { 'spotrunner:manager': 'mgr-b' },
      ageMs: 2 * HOUR,
    });
    const untagged = c.addStandalone({ tags: {}, ageMs: 2 * HOUR });

    const result = await reconcileOrphans(deps(f, [scope(handle, [known])]));

    expect(result.terminated.map((t) => [t.id, t.via])).toEqual([[old, 'ec2']]);
    expect(result.waiting).toEqual([young]);
    expect(ec2State(f, old)).toBe('terminated');
    for (const id of [young, known, otherManager, untagged])
      expect(ec2State(f, id)).toBe('running');
    const calls = c.requests.filter((r) => r.action === 'TerminateInstances');
    expect(calls.map((r) => r.params['InstanceId.1'])).toEqual([old]);
    const log = f.logger.records.find((r) => r.msg === 'terminating orphan instance');
    expect(log?.fields).toMatchObject({ instanceId: old, via: 'ec2' });
    expect(String(log?.fields.reason)).toContain('known to no fleet');
  });

  it('removes an unknown member of one of our groups with TerminateInstanceInAutoScalingGroup and decrement', async () => {
    const { fx: f, handle } = await setup();
    const c = f.double.controls;
    c.updateGroup('g', { desired: 1 });
    await c.settled();
    const [member] = c.instances('g').map((i) => i.id);
    // The runner of this group never listed it (as when its provider failed to start).
    const result = await reconcileOrphans(deps(f, [scope(handle, [], 0)]));
    expect(result.terminated).toEqual([
      expect.objectContaining({ id: member, via: 'autoscaling', groupName: 'g' }),
    ]);
    const call = c.requests.find((r) => r.action === 'TerminateInstanceInAutoScalingGroup');
    expect(call?.params).toMatchObject({
      InstanceId: member,
      ShouldDecrementDesiredCapacity: 'true',
    });
    await c.settled();
    expect(c.instances('g').filter((i) => i.inGroup)).toHaveLength(0);
  });

  it('leaves members the group lists alone, and ends an instance detached from our group with EC2', async () => {
    const { fx: f, handle } = await setup();
    const c = f.double.controls;
    c.updateGroup('g', { desired: 2 });
    await c.settled();
    const [a, b] = c.instances('g').map((i) => i.id);
    c.detach(b!);
    await handle.provider.update();
    const result = await reconcileOrphans(deps(f, [scope(handle, [], 0)]));
    expect(result.terminated.map((t) => [t.id, t.via])).toEqual([[b, 'ec2']]);
    expect(ec2State(f, a!)).toBe('running');
    expect(ec2State(f, b!)).toBe('terminated');
  });

  it('waits with the instances of a runner that is not running yet', async () => {
    const { fx: f, handle } = await setup();
    const id = f.double.controls.addStandalone({ tags: OURS, ageMs: 2 * HOUR });
    const stalled = { ...scope(handle), awsGroups: [], running: false };
    const result = await reconcileOrphans(
      deps(f, [stalled, { ...scope(handle), runnerName: 'other' }]),
    );
    expect(result).toMatchObject({ terminated: [], waiting: [id] });
  });
});
