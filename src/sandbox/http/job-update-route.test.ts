import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import {
  featureMap,
  patchTrace,
  putJob,
  startHarness,
  takeJob,
  type Harness,
  type JobHandle,
} from '../testing/sandbox-harness.js';

const CI = 'only:\n  script: echo hi\n';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function running(features = featureMap('all')): Promise<{ h: Harness; job: JobHandle }> {
  h = await startHarness({ ci: CI });
  const job = await takeJob(h, { features });
  await putJob(h.url, job.id, job.token, { state: 'running' });
  return { h, job };
}

const checksumOf = (text: string): string =>
  `crc32:${crc32(Buffer.from(text)).toString(16).padStart(8, '0')}`;

describe('PUT /jobs/:id', () => {
  it('answers 403 for a wrong token and for an unknown job', async () => {
    const { h, job } = await running();
    expect((await putJob(h.url, job.id, 'glcbt-wrong', { state: 'running' })).status).toBe(403);
    expect((await putJob(h.url, 9999, job.token, { state: 'running' })).status).toBe(403);
  });

  it('answers a touch with 200, body 200 and Job-Status', async () => {
    const { h, job } = await running();
    const res = await putJob(h.url, job.id, job.token, {
      state: 'running',
      output: { checksum: 'crc32:00000000', bytesize: 0 },
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('200');
    expect(res.headers.get('job-status')).toBe('running');
    expect(res.headers.get('x-gitlab-trace-update-interval')).toBeNull();
  });

  it('finishes a job and then answers 403 with Job-Status', async () => {
    const { h, job } = await running();
    const done = await putJob(h.url, job.id, job.token, {
      state: 'failed',
      failure_reason: 'script_failure',
      exit_code: 3,
    });
    expect(done.status).toBe(200);
    expect(h.server.job(job.id)).toMatchObject({
      status: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
    });
    const after = await putJob(h.url, job.id, job.token, { state: 'running' });
    expect(after.status).toBe(403);
    expect(after.headers.get('job-status')).toBe('failed');
  });

  it('turns an unknown or missing failure_reason into unknown_failure', async () => {
    const { h, job } = await running();
    await putJob(h.url, job.id, job.token, { state: 'failed', failure_reason: 'cosmic_rays' });
    expect(h.server.job(job.id)?.failureReason).toBe('unknown_failure');
  });

  it('answers 400 to an unknown state', async () => {
    const { h, job } = await running();
    expect((await putJob(h.url, job.id, job.token, { state: 'exploded' })).status).toBe(400);
  });

  it('records a matching checksum and bytesize against the stored trace', async () => {
    const { h, job } = await running();
    await patchTrace(h.url, job.id, job.token, 0, 'hello\n');
    await putJob(h.url, job.id, job.token, {
      state: 'success',
      output: { checksum: checksumOf('hello\n'), bytesize: 6 },
    });
    expect(h.server.job(job.id)?.checksum).toMatchObject({ match: true, storedBytesize: 6 });
  });

  it('records a checksum mismatch without failing the job', async () => {
    const { h, job } = await running();
    await patchTrace(h.url, job.id, job.token, 0, 'hello\n');
    await putJob(h.url, job.id, job.token, {
      state: 'success',
      output: { checksum: checksumOf('other\n'), bytesize: 9 },
    });
    const view = h.server.job(job.id)!;
    expect(view.status).toBe('success');
    expect(view.checksum).toMatchObject({ match: false, reportedBytesize: 9, storedBytesize: 6 });
    expect(view.notes.join('\n')).toContain('checksum mismatch');
  });

  it('answers 202 with X-GitLab-Trace-Update-Interval while the trace is persisting', async () => {
    const { h, job } = await running();
    h.server.faults.tracePersisting(2, 4);
    const final = { state: 'success', output: { checksum: checksumOf(''), bytesize: 0 } };
    for (let i = 0; i < 2; i++) {
      const res = await putJob(h.url, job.id, job.token, final);
      expect(res.status).toBe(202);
      expect(res.headers.get('x-gitlab-trace-update-interval')).toBe('4');
      expect(h.server.job(job.id)?.status).toBe('running');
    }
    expect((await putJob(h.url, job.id, job.token, final)).status).toBe(200);
    expect(h.server.job(job.id)?.status).toBe('success');
  });
});

describe('final updates while the live trace is being persisted (traceProcessing)', () => {
  it('answers 202 with Rails backoff intervals until the trace is persisted, then applies the state', async () => {
    const clock = new VirtualClock();
    h = await startHarness({ ci: CI, clock });
    const job = await takeJob(h);
    await putJob(h.url, job.id, job.token, { state: 'running' });
    await patchTrace(h.url, job.id, job.token, 0, 'done\n');
    h.server.faults.traceProcessing(30_000);
    const final = { state: 'success', output: { checksum: checksumOf('done\n'), bytesize: 5 } };
    const intervals: string[] = [];
    for (const waitS of [0, 4, 4, 8]) {
      await clock.advance(waitS * 1000);
      const res = await putJob(h.url, job.id, job.token, final);
      expect(res.status).toBe(202);
      intervals.push(res.headers.get('x-gitlab-trace-update-interval') ?? '');
    }
    expect(intervals).toEqual(['1', '2', '4', '8']); // pending state 0, 4, 8, 16 s old
    expect(h.server.job(job.id)).toMatchObject({
      status: 'running',
      pendingFinal: { state: 'success' },
      acceptedFinalUpdates: 4,
    });
    await clock.advance(16_000);
    expect((await putJob(h.url, job.id, job.token, final)).status).toBe(200);
    expect(h.server.job(job.id)).toMatchObject({
      status: 'success',
      pendingFinal: null,
      checksum: { match: true },
    });
  });

  it('applies a final update without a checksum at once, as Rails does', async () => {
    const { h, job } = await running();
    h.server.faults.traceProcessing(60_000);
    expect((await putJob(h.url, job.id, job.token, { state: 'failed' })).status).toBe(200);
    expect(h.server.job(job.id)?.status).toBe('failed');
  });
});

describe('cancellation', () => {
  it('moves a running job to canceling when the runner declared cancel_gracefully', async () => {
    const { h, job } = await running();
    expect(h.server.cancelJob(job.id)).toBe(true);
    const patch = await patchTrace(h.url, job.id, job.token, 0, 'still going\n');
    expect(patch.status).toBe(202);
    expect(patch.headers.get('job-status')).toBe('canceling');
    const touch = await putJob(h.url, job.id, job.token, { state: 'running' });
    expect(touch.headers.get('job-status')).toBe('canceling');
    await putJob(h.url, job.id, job.token, { state: 'failed', failure_reason: 'unknown_failure' });
    expect(h.server.job(job.id)?.status).toBe('canceled');
  });

  it('ends canceling as canceled even when the runner reports success', async () => {
    const { h, job } = await running();
    h.server.cancelJob(job.id);
    await putJob(h.url, job.id, job.token, { state: 'success' });
    expect(h.server.job(job.id)?.status).toBe('canceled');
  });

  it('cancels at once without cancel_gracefully, and the runner gets 403 Job-Status canceled', async () => {
    const { h, job } = await running(featureMap('all', ['cancel_gracefully']));
    h.server.cancelJob(job.id);
    expect(h.server.job(job.id)?.status).toBe('canceled');
    const patch = await patchTrace(h.url, job.id, job.token, 0, 'x');
    expect(patch.status).toBe(403);
    expect(patch.headers.get('job-status')).toBe('canceled');
  });

  it('force-cancels a canceling job', async () => {
    const { h, job } = await running();
    h.server.cancelJob(job.id);
    expect(h.server.job(job.id)?.status).toBe('canceling');
    h.server.cancelJob(job.id, { force: true });
    expect(h.server.job(job.id)?.status).toBe('canceled');
    expect(h.server.cancelJob(job.id)).toBe(false);
  });
});
