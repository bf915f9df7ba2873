import { afterEach, describe, expect, it } from 'vitest';
import { clock, startAwsE2e, type AwsE2e, type AwsE2eOptions } from './harness.js';

let e2e: AwsE2e | undefined;

afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const WORK = `work:
  script:
    - echo "work started"
    - sleep 5
    - echo "work finished"
`;

const WORK_WITH_RETRY = `work:
  retry:
    max: 1
    when: [runner_system_failure]
  script:
    - echo "work started"
    - sleep 5
    - echo "work finished"
`;

const runningOn = (trace: string): string[] =>
  [...trace.matchAll(/Running on (i-[0-9a-f]+)/g)].map((m) => m[1]!);

/** Starts the one-job pipeline and waits until the job's script is running; returns ids. */
async function jobUnderWay(
  h: AwsE2e,
  ci: string,
): Promise<{ pipelineId: number; jobId: number; instanceId: string }> {
  const pipelineId = await h.startPipeline(await h.createProject(ci));
  const jobId = await h.waitFor('the job to start its script', () => {
    const job = h.job(pipelineId, 'work');
    return h.trace(job.id).includes('work started') && job.id;
  });
  return { pipelineId, jobId, instanceId: await h.instanceOfJob(jobId) };
}

const base: AwsE2eOptions['config'] = { capacityPerInstance: 1, maxInstances: 3, idleTime: '3s' };

describe('spot interruptions end to end', () => {
  it('reruns a job interrupted mid-script on another instance within the same GitLab job', async () => {
    e2e = await startAwsE2e({ config: base });
    const { pipelineId, jobId, instanceId } = await jobUnderWay(e2e, WORK);
    e2e.double.controls.interrupt(instanceId, { kind: 'termination', noticeMs: 60_000 });

    const pipeline = await e2e.waitPipeline(pipelineId);
    expect(pipeline.status).toBe('success');
    expect(pipeline.jobs.map((j) => j.id)).toEqual([jobId]);
    const trace = e2e.trace(jobId);
    const [first, second] = runningOn(trace);
    expect(first).toBe(instanceId);
    expect(second).toBeDefined();
    expect(second).not.toBe(instanceId);
    expect(trace).toContain(`Instance ${instanceId} is being taken back`);
    expect(trace).toMatch(
      /Running the job again from the start on another instance \(rerun 1 of at most 2\)/,
    );
    expect(trace.match(/^work started$/gm)).toHaveLength(2);
    expect(trace).toContain('work finished');
    // The interrupted instance was drained and handed back, never given another job.
    await e2e.waitFor('the interrupted instance to be removed', () =>
      e2e!.double.controls.requests.some(
        (r) =>
          r.action === 'TerminateInstanceInAutoScalingGroup' && r.params.InstanceId === instanceId,
      ),
    );
  });

  it('with interruption_mode = "fail" fails the job as runner_system_failure and retry: reruns it', async () => {
    e2e = await startAwsE2e({ config: { ...base, interruptionMode: 'fail' } });
    const { pipelineId, jobId, instanceId } = await jobUnderWay(e2e, WORK_WITH_RETRY);
    e2e.double.controls.interrupt(instanceId, { kind: 'termination', noticeMs: 60_000 });

    const pipeline = await e2e.waitPipeline(pipelineId);
    expect(pipeline.status).toBe('success');
    const first = pipeline.jobs.find((j) => j.id === jobId)!;
    expect(first).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
      retried: true,
    });
    expect(e2e.trace(jobId)).toContain('interruption_mode is "fail"');
    const retry = e2e.job(pipelineId, 'work');
    expect(retry.id).not.toBe(jobId);
    expect(retry.status).toBe('success');
    expect(runningOn(e2e.trace(retry.id))).not.toContain(instanceId);
  });

  it('rescues a job whose instance vanishes without notice', async () => {
    e2e = await startAwsE2e({ config: base });
    const { pipelineId, jobId, instanceId } = await jobUnderWay(e2e, WORK);
    e2e.double.controls.vanish(instanceId);

    const pipeline = await e2e.waitPipeline(pipelineId);
    expect(pipeline.status).toBe('success');
    expect(pipeline.jobs.map((j) => j.id)).toEqual([jobId]);
    const trace = e2e.trace(jobId);
    expect(trace).toContain(`Instance ${instanceId} was lost`);
    const hosts = runningOn(trace);
    expect(hosts[0]).toBe(instanceId);
    expect(hosts.slice(1)).not.toContain(instanceId);
    expect(trace).toContain('work finished');
  });

  it('acts on a notice from the interruption queue at once, not at the next poll', async () => {
    e2e = await startAwsE2e({
      config: {
        ...base,
        updateInterval: '60s',
        updateIntervalWhenExpecting: '1s',
        queue: true,
        spotRequestChecks: false,
      },
    });
    const { pipelineId, jobId, instanceId } = await jobUnderWay(e2e, WORK);
    const noticedAt = clock.now();
    e2e.double.controls.interrupt(instanceId, { kind: 'termination', noticeMs: 60_000 });
    await e2e.waitFor('the job to be rerun', () => e2e!.trace(jobId).includes('rerun 1'), 15_000);
    expect(clock.now() - noticedAt).toBeLessThan(15_000);
    expect((await e2e.waitPipeline(pipelineId)).status).toBe('success');
  });

  it('finds a notice through IMDS polling of busy instances', async () => {
    e2e = await startAwsE2e({
      config: {
        ...base,
        updateInterval: '60s',
        updateIntervalWhenExpecting: '1s',
        imdsPoll: '1s',
        spotRequestChecks: false,
      },
    });
    const { pipelineId, jobId, instanceId } = await jobUnderWay(e2e, WORK);
    e2e.double.controls.interrupt(instanceId, { kind: 'termination', noticeMs: 60_000 });
    await e2e.waitFor('the job to be rerun', () => e2e!.trace(jobId).includes('rerun 1'), 15_000);
    expect((await e2e.waitPipeline(pipelineId)).status).toBe('success');
    expect(e2e.manager?.output()).toContain('imds polling on');
  });
});
