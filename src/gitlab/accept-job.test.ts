import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptJob } from './accept-job.js';
import { clientHarness, RUNNER_TOKEN, type ClientHarness } from './testing/client-harness.js';
import { startGitLabDouble, type DoubleJob, type GitLabDouble } from './testing/gitlab-double.js';
import { putStates } from './testing/trace-harness.js';

let gitlab: GitLabDouble | undefined;
afterEach(async () => {
  await gitlab?.close();
  gitlab = undefined;
});

async function received(twoPhase = true): Promise<{ h: ClientHarness; job: DoubleJob }> {
  gitlab = await startGitLabDouble();
  gitlab.runnerToken = RUNNER_TOKEN;
  const payload = JSON.parse(
    readFileSync(new URL('./testdata/job-example.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  const job = gitlab.enqueue({ ...payload, id: 31, token: 'glcbt-aa_acceptTOKEN0000000' });
  const h = clientHarness(gitlab.url, { info: { features: { two_phase_job_commit: twoPhase } } });
  await h.run(h.client.requestJob());
  return { h, job };
}

/** A promise resolved (or rejected) after `ms` of virtual time. */
function after<T>(h: ClientHarness, ms: number, value: T, fail = false): Promise<T> {
  return h.clock.sleep(ms).then(() => (fail ? Promise.reject(new Error('no capacity')) : value));
}

describe('acceptJob', () => {
  it('keeps the job reserved with pending keep-alives, then accepts it', async () => {
    const { h, job } = await received();
    expect(job.status).toBe('ack-wait');
    const result = await h.run(
      acceptJob({ api: h.client, clock: h.clock, logger: h.logger }, job, {
        waitFor: after(h, 150_000, 'slot-1'),
      }),
    );
    expect(result).toEqual({
      kind: 'accepted',
      value: 'slot-1',
      cancelRequested: false,
      keepAlives: 2,
    });
    expect(putStates(gitlab!)).toEqual(['pending', 'pending', 'running']);
    expect(job.status).toBe('running');
  });

  it('stops keep-alives when GitLab does not hold the job (400) and still accepts', async () => {
    const { h, job } = await received(false);
    expect(job.status).toBe('running');
    const result = await h.run(
      acceptJob({ api: h.client, clock: h.clock, logger: h.logger }, job, {
        waitFor: after(h, 200_000, 'slot'),
      }),
    );
    expect(result).toMatchObject({ kind: 'accepted', keepAlives: 1 });
    expect(putStates(gitlab!)).toEqual(['pending', 'running']);
  });

  it('leaves the job to expire when capacity fails', async () => {
    const { h, job } = await received();
    const result = await h.run(
      acceptJob({ api: h.client, clock: h.clock, logger: h.logger }, job, {
        waitFor: after(h, 70_000, 'x', true),
      }),
    );
    expect(result).toMatchObject({ kind: 'not-ready', keepAlives: 1 });
    expect(putStates(gitlab!)).toEqual(['pending']);
  });

  it('reports a job canceled while waiting', async () => {
    const { h, job } = await received();
    job.status = 'canceled';
    const result = await h.run(
      acceptJob({ api: h.client, clock: h.clock, logger: h.logger }, job, {
        waitFor: after(h, 300_000, 'slot'),
      }),
    );
    expect(result).toMatchObject({ kind: 'aborted', keepAlives: 1 });
    expect(result.kind === 'aborted' && result.reason).toContain('HTTP 403');
  });

  it('returns the capacity when acceptance is refused', async () => {
    const { h, job } = await received();
    gitlab!.intercept = (req) =>
      (req.json as { state?: string }).state === 'running'
        ? { status: 403, headers: { 'Job-Status': 'failed' } }
        : undefined;
    const result = await h.run(
      acceptJob({ api: h.client, clock: h.clock, logger: h.logger }, job, {
        waitFor: after(h, 10_000, 'slot-9'),
      }),
    );
    expect(result).toMatchObject({ kind: 'aborted', value: 'slot-9' });
  });

  it('retries acceptance through a short outage', async () => {
    const { h, job } = await received();
    let drops = 2;
    gitlab!.intercept = (req) => (req.method === 'PUT' && drops-- > 0 ? 'drop' : undefined);
    const result = await h.run(
      acceptJob({ api: h.client, clock: h.clock, logger: h.logger }, job, {
        waitFor: after(h, 5000, 'slot'),
      }),
    );
    expect(result).toMatchObject({ kind: 'accepted' });
    expect(job.status).toBe('running');
  });

  it('passes on a cancel requested at acceptance', async () => {
    const { h, job } = await received();
    gitlab!.intercept = () => ({
      status: 200,
      headers: { 'Job-Status': 'canceling' },
      body: '200',
    });
    const result = await h.run(
      acceptJob({ api: h.client, clock: h.clock, logger: h.logger }, job, {
        waitFor: Promise.resolve('slot'),
      }),
    );
    expect(result).toMatchObject({ kind: 'accepted', cancelRequested: true, keepAlives: 0 });
  });

  it('throws when the caller aborts', async () => {
    const { h, job } = await received();
    const ac = new AbortController();
    const pending = acceptJob({ api: h.client, clock: h.clock, logger: h.logger }, job, {
      waitFor: new Promise(() => undefined),
      signal: ac.signal,
    });
    setImmediate(() => ac.abort(new Error('stopping')));
    await expect(h.run(pending)).rejects.toThrow('stopping');
  });
});
