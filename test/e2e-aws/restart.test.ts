import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSystemId } from '../../src/config/index.js';
import { clock, startAwsE2e, type AwsE2e } from './harness.js';

let e2e: AwsE2e | undefined;

afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const WARM_UP = ['w1', 'w2']
  .map((n) => `${n}:\n  script:\n    - echo "warm ${n}"\n    - sleep 1\n`)
  .join('');

const LONG = `long:
  retry:
    max: 1
    when: [runner_system_failure]
  script:
    - echo "long started"
    - sleep 6
    - echo "long finished"
`;

const runningOn = (trace: string): string | undefined =>
  /Running on (i-[0-9a-f]+)/.exec(trace)?.[1];

interface StateFile {
  runners: Record<string, { instances: Record<string, unknown>; jobs: Record<string, unknown> }>;
}

async function readState(h: AwsE2e): Promise<StateFile> {
  return JSON.parse(
    await readFile(join(h.dataDir, '.spotrunner', 'state.json'), 'utf8'),
  ) as StateFile;
}

describe('manager restart safety', () => {
  it('after SIGKILL mid-job: fails the leftover job for retry:, removes its instance, adopts the idle ones, leaves no orphan', async () => {
    e2e = await startAwsE2e({
      manager: 'process',
      config: { capacityPerInstance: 1, maxInstances: 3, idleTime: '60s' },
    });
    const h = e2e;
    const c = h.double.controls;
    const project = await h.createProject(WARM_UP);
    expect((await h.waitPipeline(await h.startPipeline(project))).status).toBe('success');
    const idle = c
      .instances('spot')
      .filter((i) => i.inGroup)
      .map((i) => i.id);
    expect(idle).toHaveLength(2);
    await h.waitFor('the idle instances in the state file', async () => {
      const known = Object.keys((await readState(h)).runners['aws-spot']?.instances ?? {});
      return idle.every((id) => known.includes(id));
    });

    const pipelineId = await h.startPipeline(await h.createProject(LONG));
    const jobId = await h.waitFor('the long job under way', () => {
      const job = h.job(pipelineId, 'long');
      return h.trace(job.id).includes('long started') && job.id;
    });
    const busy = await h.instanceOfJob(jobId);
    expect(idle).toContain(busy);
    await h.manager!.stop('SIGKILL');
    expect(Object.keys((await readState(h)).runners['aws-spot']!.jobs)).toEqual([String(jobId)]);
    const launchesBefore = c.instances('spot').length;
    // Left behind by an earlier crash: tagged for this manager, outside any group, hours old.
    const { systemId } = await loadOrCreateSystemId(h.dataDir);
    const orphan = c.addStandalone({
      tags: { 'spotrunner:manager': systemId, 'spotrunner:runner': 'aws-spot' },
      ageMs: 3 * 3_600_000,
    });
    const foreign = c.addStandalone({
      tags: { 'spotrunner:manager': 'another-manager' },
      ageMs: 3 * 3_600_000,
    });

    const restartedAt = clock.now();
    await h.startManager('process');
    const pipeline = await h.waitPipeline(pipelineId);
    expect(pipeline.status).toBe('success');
    const first = pipeline.jobs.find((j) => j.id === jobId)!;
    expect(first).toMatchObject({ status: 'failed', failureReason: 'runner_system_failure' });
    expect(h.trace(jobId)).toContain('stopped unexpectedly while this job ran');
    const retry = h.job(pipelineId, 'long');
    expect(retry.id).not.toBe(jobId);
    expect(retry.status).toBe('success');
    // Failed at start, not after GitLab's stuck-job sweep.
    expect(Date.parse(first.finishedAt!) - restartedAt).toBeLessThan(30_000);

    // The instance that ran the job was removed; the idle one was adopted and reused.
    const removed = c.requests
      .filter((r) => r.action === 'TerminateInstanceInAutoScalingGroup')
      .map((r) => r.params.InstanceId);
    expect(removed).toContain(busy);
    const adopted = idle.filter((id) => id !== busy);
    for (const id of adopted) expect(removed).not.toContain(id);
    expect(runningOn(h.trace(retry.id))).toBe(adopted[0]);
    expect(c.instances('spot').length).toBe(launchesBefore);
    expect(h.manager!.output()).toContain('adopting instance from the previous run');
    const ended = c.requests.filter((r) => r.action === 'TerminateInstances');
    expect(ended.map((r) => r.params['InstanceId.1'])).toEqual([orphan]);
    expect(c.instances().find((i) => i.id === foreign)?.ec2State).toBe('running');
    expect(h.manager!.output()).toContain('terminating orphan instance');

    // Nothing orphaned: every live instance of the group is one the fleet knows.
    await h.waitFor('the group and the fleet agreeing', async () => {
      const fleetIds = new Set(
        (await h.status()).runners.flatMap((r) => r.fleet?.instances ?? []).map((i) => i.id),
      );
      const live = c
        .instances('spot')
        .filter((i) => i.inGroup && i.lifecycleState !== 'Terminating');
      return live.length > 0 && live.every((i) => fleetIds.has(i.id));
    });
    await h.waitFor('no job left in the state file', async () => {
      return Object.keys((await readState(h)).runners['aws-spot']!.jobs).length === 0;
    });
  });
});
