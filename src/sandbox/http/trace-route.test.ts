import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import {
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

async function running(
  server: Parameters<typeof startHarness>[0]['server'] = {},
  clock?: VirtualClock,
): Promise<{ h: Harness; job: JobHandle }> {
  h = await startHarness({ ci: CI, server, ...(clock ? { clock } : {}) });
  const job = await takeJob(h);
  await putJob(h.url, job.id, job.token, { state: 'running' });
  return { h, job };
}

describe('PATCH /jobs/:id/trace', () => {
  it('appends at the current length and answers 202 with Job-Status, Range and interval', async () => {
    const { h, job } = await running({ traceUpdateIntervalS: 3 });
    const first = await patchTrace(h.url, job.id, job.token, 0, 'hello ');
    expect(first.status).toBe(202);
    expect(first.headers.get('job-status')).toBe('running');
    expect(first.headers.get('range')).toBe('0-6');
    expect(first.headers.get('x-gitlab-trace-update-interval')).toBe('3');
    const second = await patchTrace(h.url, job.id, job.token, 6, 'world\n');
    expect(second.headers.get('range')).toBe('0-12');
    expect(h.server.trace(job.id)).toBe('hello world\n');
  });

  it('answers 416 with Range 0-<length> for a patch at the wrong offset', async () => {
    const { h, job } = await running();
    await patchTrace(h.url, job.id, job.token, 0, 'hello world');
    const ahead = await patchTrace(h.url, job.id, job.token, 20, 'x');
    expect(ahead.status).toBe(416);
    expect(ahead.headers.get('range')).toBe('0-11');
    const behind = await patchTrace(h.url, job.id, job.token, 0, 'hello world');
    expect(behind.status).toBe(416);
    expect(h.server.trace(job.id)).toBe('hello world');
  });

  it('requires Content-Range', async () => {
    const { h, job } = await running();
    const res = await fetch(`${h.url}/api/v4/jobs/${job.id}/trace`, {
      method: 'PATCH',
      headers: { 'JOB-TOKEN': job.token },
      body: 'x',
    });
    expect(res.status).toBe(400);
  });

  it('rejects a wrong token with 403', async () => {
    const { h, job } = await running();
    expect((await patchTrace(h.url, job.id, 'glcbt-nope', 0, 'x')).status).toBe(403);
  });

  it('drops the job as trace_size_exceeded over the limit and answers 403', async () => {
    const { h, job } = await running({ traceSizeLimitBytes: 10 });
    expect((await patchTrace(h.url, job.id, job.token, 0, '12345')).status).toBe(202);
    const over = await patchTrace(h.url, job.id, job.token, 5, '678901');
    expect(over.status).toBe(403);
    expect(over.headers.get('job-status')).toBe('failed');
    expect(h.server.job(job.id)).toMatchObject({
      status: 'failed',
      failureReason: 'trace_size_exceeded',
    });
  });

  it('hides the job token in the stored trace, also across patches', async () => {
    const { h, job } = await running();
    const half = Math.floor(job.token.length / 2);
    await patchTrace(h.url, job.id, job.token, 0, `token=${job.token.slice(0, half)}`);
    const length = 6 + half;
    await patchTrace(h.url, job.id, job.token, length, `${job.token.slice(half)} done\n`);
    const trace = h.server.trace(job.id)!;
    expect(trace).not.toContain(job.token);
    expect(trace).toBe(`token=${'x'.repeat(job.token.length)} done\n`);
  });

  it('answers injected 409 and 429 with Retry-After', async () => {
    const { h, job } = await running();
    h.server.faults.inject('jobs/trace', { status: 429, retryAfterS: 2 });
    const limited = await patchTrace(h.url, job.id, job.token, 0, 'x');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    h.server.faults.inject('jobs/trace', { status: 409 });
    expect((await patchTrace(h.url, job.id, job.token, 0, 'x')).status).toBe(409);
    expect((await patchTrace(h.url, job.id, job.token, 0, 'x')).status).toBe(202);
  });
});

describe('server-side timeouts', () => {
  it('drops a running job after its timeout plus grace', async () => {
    const clock = new VirtualClock();
    h = await startHarness({
      ci: 'slow:\n  timeout: 10m\n  script: sleep 1\n',
      clock,
      server: { timeoutGraceMs: 60_000 },
    });
    const job = await takeJob(h);
    await putJob(h.url, job.id, job.token, { state: 'running' });
    await clock.advance(10 * 60_000);
    expect(h.server.job(job.id)?.status).toBe('running');
    await clock.advance(60_000);
    expect(h.server.job(job.id)).toMatchObject({
      status: 'failed',
      failureReason: 'server_timeout_running',
    });
  });

  it('drops a running job without updates as no_updates_running', async () => {
    const clock = new VirtualClock();
    const { h, job } = await running({ stuckTimeoutMs: 5 * 60_000 }, clock);
    await clock.advance(4 * 60_000);
    await patchTrace(h.url, job.id, job.token, 0, 'alive\n');
    await clock.advance(4 * 60_000);
    expect(h.server.job(job.id)?.status).toBe('running');
    await clock.advance(60_000);
    expect(h.server.job(job.id)).toMatchObject({
      status: 'failed',
      failureReason: 'no_updates_running',
    });
  });
});
