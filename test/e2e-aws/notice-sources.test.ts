import { afterEach, describe, expect, it } from 'vitest';
import { clock, jobUnderWay, startAwsE2e, type AwsE2e, type AwsE2eOptions } from './harness.js';

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

const base: AwsE2eOptions['config'] = { capacityPerInstance: 1, maxInstances: 3, idleTime: '3s' };

describe('interruption notices between polls', () => {
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
    const { pipelineId, jobId, instanceId } = await jobUnderWay(e2e, WORK, 'work', 'work started');
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
    const { pipelineId, jobId, instanceId } = await jobUnderWay(e2e, WORK, 'work', 'work started');
    e2e.double.controls.interrupt(instanceId, { kind: 'termination', noticeMs: 60_000 });
    await e2e.waitFor('the job to be rerun', () => e2e!.trace(jobId).includes('rerun 1'), 15_000);
    expect((await e2e.waitPipeline(pipelineId)).status).toBe('success');
    expect(e2e.manager?.output()).toContain('imds polling on');
  });
});
