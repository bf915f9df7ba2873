import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import {
  featureMap,
  putJob,
  requestJob,
  startHarness,
  takeJob,
  type Harness,
} from '../testing/sandbox-harness.js';

const CI = 'only:\n  script: echo hi\n';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(): Promise<{ h: Harness; clock: VirtualClock }> {
  const clock = new VirtualClock();
  h = await startHarness({ ci: CI, clock });
  return { h, clock };
}

describe('two-phase job commit', () => {
  it('keeps a job pending until the runner accepts it with state=running', async () => {
    const { h } = await start();
    const job = await takeJob(h);
    expect(h.server.job(job.id)).toMatchObject({ status: 'pending', awaitingAck: true });
    const other = h.server.createRunner({});
    expect((await requestJob(h.url, other.token)).status).toBe(204);
    const accepted = await putJob(h.url, job.id, job.token, { state: 'running' });
    expect(accepted.status).toBe(200);
    expect(accepted.text).toBe('200');
    expect(accepted.headers.get('job-status')).toBe('running');
    expect(h.server.job(job.id)).toMatchObject({ status: 'running', awaitingAck: false });
  });

  it('drops the job as runner_provisioning_timeout when the 2-minute window expires', async () => {
    const { h, clock } = await start();
    const job = await takeJob(h);
    await clock.advance(119_000);
    expect(h.server.job(job.id)?.status).toBe('pending');
    await clock.advance(1_000);
    const dropped = h.server.job(job.id)!;
    expect(dropped.status).toBe('failed');
    expect(dropped.failureReason).toBe('runner_provisioning_timeout');
    const late = await putJob(h.url, job.id, job.token, { state: 'running' });
    expect(late.status).toBe(403);
    expect(late.headers.get('job-status')).toBe('failed');
  });

  it('refreshes the window on every state=pending keep-alive', async () => {
    const { h, clock } = await start();
    const job = await takeJob(h);
    for (let i = 0; i < 3; i++) {
      await clock.advance(100_000);
      const alive = await putJob(h.url, job.id, job.token, { state: 'pending' });
      expect(alive.status).toBe(200);
      expect(alive.headers.get('job-status')).toBe('pending');
    }
    await clock.advance(100_000);
    expect(h.server.job(job.id)?.status).toBe('pending');
    await clock.advance(20_000);
    expect(h.server.job(job.id)?.failureReason).toBe('runner_provisioning_timeout');
  });

  it('auto-retries an expired acknowledgement with a new job', async () => {
    const { h, clock } = await start();
    const job = await takeJob(h);
    await clock.advance(120_000);
    const jobs = h.server.pipelines()[0]!.jobs;
    expect(jobs).toHaveLength(2);
    expect(jobs[0]).toMatchObject({ id: job.id, retried: true, status: 'failed' });
    expect(jobs[1]).toMatchObject({ retryOf: job.id, status: 'pending' });
  });

  it('refuses other states while waiting with 400', async () => {
    const { h } = await start();
    const job = await takeJob(h);
    const res = await putJob(h.url, job.id, job.token, {
      state: 'failed',
      failure_reason: 'runner_system_failure',
    });
    expect(res.status).toBe(400);
    expect(h.server.job(job.id)?.status).toBe('pending');
  });

  it('answers 409 to a keep-alive after acceptance', async () => {
    const { h } = await start();
    const job = await takeJob(h);
    await putJob(h.url, job.id, job.token, { state: 'running' });
    expect((await putJob(h.url, job.id, job.token, { state: 'pending' })).status).toBe(409);
  });

  it('starts a legacy runner job as running and answers 400 to state=pending', async () => {
    const { h } = await start();
    const job = await takeJob(h, { features: featureMap('all', ['two_phase_job_commit']) });
    expect(h.server.job(job.id)?.status).toBe('running');
    expect((await putJob(h.url, job.id, job.token, { state: 'pending' })).status).toBe(400);
  });

  it('lets a canceled waiting job answer 403 with Job-Status canceled', async () => {
    const { h } = await start();
    const job = await takeJob(h);
    expect(h.server.cancelJob(job.id)).toBe(true);
    const res = await putJob(h.url, job.id, job.token, { state: 'running' });
    expect(res.status).toBe(403);
    expect(res.headers.get('job-status')).toBe('canceled');
  });
});
