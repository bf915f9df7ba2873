import { afterEach, describe, expect, it } from 'vitest';
import { startAwsE2e, type AwsE2e } from './harness.js';

let e2e: AwsE2e | undefined;

afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const jobs = (names: string[]): string =>
  names.map((n) => `${n}:\n  script:\n    - echo "job ${n}"\n    - sleep 1\n`).join('');

const runningOn = (trace: string): string | undefined =>
  /Running on (i-[0-9a-f]+)/.exec(trace)?.[1];

describe('fallback group end to end', () => {
  it('runs queued jobs on the on-demand group while spot has no capacity, withdraws them from spot, and returns to spot once it launches again', async () => {
    e2e = await startAwsE2e({
      groups: [
        { name: 'spot', max: 3 },
        { name: 'ondemand', max: 3, spot: false },
      ],
      config: {
        capacityPerInstance: 1,
        maxInstances: 3,
        idleTime: '2s',
        fallback: { group: 'ondemand', after: '2s', probeInterval: '2s' },
      },
    });
    const c = e2e.double.controls;
    c.failLaunches({ group: 'spot', code: 'InsufficientInstanceCapacity' });

    const project = await e2e.createProject(jobs(['a', 'b', 'c']));
    const first = await e2e.waitPipeline(await e2e.startPipeline(project));
    expect(first.status).toBe('success');
    const onDemand = new Set(c.instances('ondemand').map((i) => i.id));
    for (const j of first.jobs) expect(onDemand).toContain(runningOn(e2e.trace(j.id)));
    expect(c.instances('spot')).toHaveLength(0);
    expect(c.instances('ondemand').every((i) => i.lifecycle === 'on-demand')).toBe(true);
    expect(e2e.manager?.output()).toContain('falling back to the secondary group');

    // What moved to on-demand was withdrawn from spot: once spot capacity is back, the spot
    // group launches nothing for jobs the on-demand group already ran.
    await e2e.waitFor('the on-demand instances trimmed', () =>
      c.instances('ondemand').every((i) => !i.inGroup),
    );
    await e2e.waitFor('spot desired back to 0', () => c.group('spot').desired === 0);
    c.clearLaunchFailures();
    await c.settled();
    expect(c.instances('spot')).toHaveLength(0);

    // The next job probes spot with one instance; it launches, and the manager is back on spot.
    const probe = await e2e.createProject(jobs(['probe']));
    const probed = await e2e.waitPipeline(await e2e.startPipeline(probe));
    expect(probed.status).toBe('success');
    expect(e2e.manager?.output()).toContain('back to the primary group');
    const spotNow = new Set(c.instances('spot').map((i) => i.id));
    expect(spotNow).toContain(runningOn(e2e.trace(probed.jobs[0]!.id)));

    const second = await e2e.waitPipeline(await e2e.startPipeline(project));
    expect(second.status).toBe('success');
    const spot = new Set(c.instances('spot').map((i) => i.id));
    for (const j of second.jobs) expect(spot).toContain(runningOn(e2e.trace(j.id)));
  });
});
