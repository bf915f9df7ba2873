import { afterEach, describe, expect, it } from 'vitest';
import { startAwsE2e, type AwsE2e } from './harness.js';

let e2e: AwsE2e | undefined;

afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const THREE_JOBS = ['a', 'b', 'c']
  .map((n) => `${n}:\n  script:\n    - echo "job ${n} on $SPOTRUNNER_INSTANCE_ID"\n    - sleep 2\n`)
  .join('');

function instanceOf(trace: string): string | undefined {
  return /Running on (i-[0-9a-f]+)/.exec(trace)?.[1];
}

describe('aws spot group end to end', () => {
  it('scales from zero for a pipeline, runs its jobs on spot instances, and scales back to zero after idle_time', async () => {
    e2e = await startAwsE2e({
      config: { capacityPerInstance: 1, maxInstances: 3, idleTime: '2s' },
    });
    const c = e2e.double.controls;
    expect(c.group('spot').desired).toBe(0);
    expect(c.instances('spot')).toHaveLength(0);

    const project = await e2e.createProject(THREE_JOBS);
    const pipeline = await e2e.waitPipeline(await e2e.startPipeline(project));
    expect(pipeline.status).toBe('success');

    const used = ['a', 'b', 'c'].map((n) => instanceOf(e2e!.trace(e2e!.job(pipeline.id, n).id)));
    const launched = c.instances('spot').map((i) => i.id);
    for (const id of used) expect(launched).toContain(id);
    expect(c.instances('spot').every((i) => i.lifecycle === 'spot')).toBe(true);
    // Keys were pushed through EC2 Instance Connect and accepted by the instances.
    expect(c.pushedKeys().length).toBeGreaterThan(0);
    expect(c.pushedKeys().every((k) => k.installed)).toBe(true);
    const raised = c.requests.filter((r) => r.action === 'SetDesiredCapacity');
    expect(raised.length).toBeGreaterThan(0);
    expect(Math.max(...raised.map((r) => Number(r.params.DesiredCapacity)))).toBeLessThanOrEqual(3);

    await e2e.waitFor('the group back at zero', () => {
      const g = c.group('spot');
      return g.desired === 0 && c.instances('spot').every((i) => !i.inGroup);
    });
    const removals = c.requests.filter((r) => r.action === 'TerminateInstanceInAutoScalingGroup');
    expect(removals.map((r) => r.params.InstanceId).sort()).toEqual([...launched].sort());
    expect(removals.every((r) => r.params.ShouldDecrementDesiredCapacity === 'true')).toBe(true);
    // The manager tagged the group, so every instance it launched names this manager.
    expect(c.instances('spot').every((i) => i.tags['spotrunner:runner'] === 'aws-spot')).toBe(true);
    expect(c.backingErrors()).toEqual([]);
  });
});
