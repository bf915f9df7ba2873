import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/platform/clock.js';
import { processesUnder, type E2eHarness } from './harness.js';
import { useE2e } from './use-e2e.js';

const clock = new SystemClock();
const e2e = useE2e();

/** The JSON bodies of the runner's `PUT /jobs/:id` requests for one job. */
function jobUpdates(harness: E2eHarness, jobId: number): Record<string, unknown>[] {
  return harness.proxy.requests
    .filter((r) => r.method === 'PUT' && r.path === `/api/v4/jobs/${jobId}`)
    .map((r) => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>);
}

describe('a job cancelled while its script sleeps', () => {
  it('runs after_script, ends canceled and leaves no process on the instance', async () => {
    const h = await e2e.start();
    const project = await h.createProject('cancel-midway');
    const created = await h.server.createPipeline(project.id);
    const jobId = created.jobs[0]!.id;

    await h.waitFor('the script to start', () =>
      h.trace(jobId).includes('started long job with a background sleeper'),
    );
    const instance = await h.waitFor('the job on an instance', () =>
      h.instances().find((i) => i.jobIds.includes(jobId)),
    );
    const instanceDir = h.localProvider().instanceDir(instance.id)!;
    expect(h.localProvider().processPids(instance.id).length).toBeGreaterThan(0);
    expect((await processesUnder(instanceDir)).length).toBeGreaterThanOrEqual(2);

    expect(h.server.cancelJob(jobId)).toBe(true);
    expect(h.server.job(jobId)?.status).toBe('canceling');
    const done = await h.server.waitForPipeline(created.id, { timeoutMs: 20_000 });

    const job = h.job(done, 'long');
    expect(job.status).toBe('canceled');
    expect(done.status).toBe('canceled');
    const trace = h.trace(jobId);
    expect(trace).toContain('after_script ran with status canceled');
    expect(trace).not.toContain('this line never runs');
    const finalUpdate = jobUpdates(h, jobId).at(-1);
    // gitlab-runner reports a finished graceful cancel as failed/unknown_failure; Rails makes it canceled.
    expect(finalUpdate).toMatchObject({ state: 'failed', failure_reason: 'unknown_failure' });
    await h.waitFor('the slot to be released', () =>
      h.instances().every((i) => !i.jobIds.includes(jobId)),
    );
    expect(h.localProvider().processPids(instance.id)).toEqual([]);
    expect(await processesUnder(instanceDir)).toEqual([]);
  });
});

describe('a job force-cancelled while its script runs', () => {
  it('is aborted at once: no after_script, no final update, its processes killed', async () => {
    const h = await e2e.start();
    const project = await h.createProject('cancel-midway');
    const created = await h.server.createPipeline(project.id);
    const jobId = created.jobs[0]!.id;
    await h.waitFor('the script to start', () => h.trace(jobId).includes('tick 1'));
    const instance = h.instances().find((i) => i.jobIds.includes(jobId))!;
    const instanceDir = h.localProvider().instanceDir(instance.id)!;

    expect(h.server.cancelJob(jobId, { force: true })).toBe(true);
    expect(h.server.job(jobId)?.status).toBe('canceled');
    const updatesBefore = jobUpdates(h, jobId).length;
    await h.waitFor(
      'the job to be dropped by the runner',
      () => h.instances().every((i) => !i.jobIds.includes(jobId)),
      15_000,
    );
    expect(h.localProvider().processPids(instance.id)).toEqual([]);
    expect(await processesUnder(instanceDir)).toEqual([]);
    expect(jobUpdates(h, jobId)).toHaveLength(updatesBefore); // GitLab said 403: nothing more
    const patches = h.proxy.requests.filter((r) =>
      r.path.startsWith(`/api/v4/jobs/${jobId}/trace`),
    );
    expect(patches.at(-1)?.status).toBe(403);
    expect(h.trace(jobId)).not.toContain('after_script ran');
  });
});

describe('a job running past its timeout', () => {
  it('is killed and fails with job_execution_timeout', async () => {
    const h = await e2e.start();
    const project = await h.createProject('timeout-kill');
    const startedAt = clock.now();
    const pipeline = await h.runPipeline(project.id, 60_000);
    const elapsedMs = clock.now() - startedAt;

    const job = h.job(pipeline, 'slow');
    expect(job.timeoutS).toBe(10);
    expect(job).toMatchObject({ status: 'failed', failureReason: 'job_execution_timeout' });
    expect(pipeline.status).toBe('failed');
    expect(elapsedMs).toBeLessThan(40_000); // killed at 10 s, not after the 60 s sleep
    const trace = h.trace(job.id);
    expect(trace).toContain('sleeping past the timeout');
    expect(trace).not.toContain('this line never runs');
    expect(trace).toMatch(/ERROR: Job failed: execution took longer than 10s seconds/);
    expect(jobUpdates(h, job.id).at(-1)).toMatchObject({
      state: 'failed',
      failure_reason: 'job_execution_timeout',
    });
    const instance = h.instances()[0];
    if (instance) expect(h.localProvider().processPids(instance.id)).toEqual([]);
  });
});
