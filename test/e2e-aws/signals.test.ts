import { afterEach, describe, expect, it } from 'vitest';
import { clock, startAwsE2e, type AwsE2e } from './harness.js';

let e2e: AwsE2e | undefined;

afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const slowJob = (seconds: number): string => `slow:
  script:
    - echo "slow started"
    - sleep ${seconds}
    - echo "slow finished"
`;
/** Long enough that "the manager exited well before the job would have ended" is unambiguous. */
const CUT_OFF_S = 40;

async function slowJobUnderWay(
  h: AwsE2e,
  seconds = 6,
): Promise<{ pipelineId: number; jobId: number }> {
  const pipelineId = await h.startPipeline(await h.createProject(slowJob(seconds)));
  const jobId = await h.waitFor('the slow job under way', () => {
    const job = h.job(pipelineId, 'slow');
    return h.trace(job.id).includes('slow started') && job.id;
  });
  return { pipelineId, jobId };
}

const config = { capacityPerInstance: 1, maxInstances: 2, idleTime: '30s', shutdownTimeoutS: 60 };

describe('manager signals', () => {
  it('SIGTERM mid-job stops taking jobs but lets the running one finish', async () => {
    e2e = await startAwsE2e({ manager: 'process', config });
    const { pipelineId, jobId } = await slowJobUnderWay(e2e);
    e2e.manager!.signal('SIGTERM');
    const code = await e2e.manager!.exited();
    const exitedAt = clock.now();
    const log = `--- manager ---\n${e2e.manager!.output().slice(-4000)}\n--- trace ---\n${e2e.trace(jobId)}`;
    expect(code, log).toBe(0);
    const job = e2e.server.job(jobId)!;
    expect(job.status, log).toBe('success');
    expect(e2e.trace(jobId), log).toContain('slow finished');
    expect(Date.parse(job.finishedAt!), log).toBeLessThanOrEqual(exitedAt);
    expect((await e2e.waitPipeline(pipelineId)).status, log).toBe('success');
  });

  it('SIGINT mid-job reports the job as failed promptly and exits', async () => {
    e2e = await startAwsE2e({ manager: 'process', config });
    const { jobId } = await slowJobUnderWay(e2e, CUT_OFF_S);
    const sentAt = clock.now();
    e2e.manager!.signal('SIGINT');
    await e2e.manager!.exited();
    expect(clock.now() - sentAt).toBeLessThan((CUT_OFF_S / 2) * 1000);
    const job = e2e.server.job(jobId)!;
    expect(job.status).toBe('failed');
    expect(e2e.trace(jobId)).not.toContain('slow finished');
  });

  it('a second signal forces the shutdown: the running job is cut off and reported', async () => {
    e2e = await startAwsE2e({ manager: 'process', config });
    const { jobId } = await slowJobUnderWay(e2e, CUT_OFF_S);
    e2e.manager!.signal('SIGTERM');
    await clock.sleep(500);
    const sentAt = clock.now();
    e2e.manager!.signal('SIGTERM');
    await e2e.manager!.exited();
    expect(clock.now() - sentAt).toBeLessThan((CUT_OFF_S / 2) * 1000);
    expect(e2e.server.job(jobId)!.status).toBe('failed');
    expect(e2e.manager!.output()).toContain('second signal: forcing shutdown');
  });
});
