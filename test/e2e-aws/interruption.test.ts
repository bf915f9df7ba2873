import { afterEach, describe, expect, it } from 'vitest';
import { jobUnderWay, startAwsE2e, type AwsE2e, type AwsE2eOptions } from './harness.js';

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

const base: AwsE2eOptions['config'] = { capacityPerInstance: 1, maxInstances: 3, idleTime: '3s' };

describe('spot interruptions end to end', () => {
  it('reruns a job interrupted mid-script on another instance within the same GitLab job', async () => {
    e2e = await startAwsE2e({ config: base });
    const { pipelineId, jobId, instanceId } = await jobUnderWay(e2e, WORK, 'work', 'work started');
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
    const { pipelineId, jobId, instanceId } = await jobUnderWay(
      e2e,
      WORK_WITH_RETRY,
      'work',
      'work started',
    );
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
    const { pipelineId, jobId, instanceId } = await jobUnderWay(e2e, WORK, 'work', 'work started');
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
});
