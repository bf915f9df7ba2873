import { describe, expect, it } from 'vitest';
import { useE2e } from './use-e2e.js';
import type { TappedRequest } from './tap-proxy.js';

const e2e = useE2e();

const statuses = (requests: readonly TappedRequest[], method: string, path: RegExp): number[] =>
  requests.filter((r) => r.method === method && path.test(r.path)).map((r) => r.status ?? 0);

/** Answers to job requests, without the 204s of polls made before a fault was injected. */
const pollAnswers = (requests: readonly TappedRequest[]): number[] =>
  statuses(requests, 'POST', /\/jobs\/request$/).filter((s) => s !== 204);

describe('the manager facing a misbehaving GitLab', () => {
  it('completes jobs through 500s on jobs/request, a 416 on a trace PATCH and a failed final PUT', async () => {
    const h = await e2e.start();
    const project = await h.createProject('two-jobs');
    h.server.faults.inject('jobs/request', { status: 500, times: 3 });
    h.server.faults.inject('jobs/trace', { status: 416, times: 1 });
    h.server.faults.inject('jobs/update', { status: 502, times: 1 });
    const pipeline = await h.runPipeline(project.id);

    expect(pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['first', 'success'],
      ['second', 'success'],
    ]);
    const requests = h.proxy.requests;
    expect(pollAnswers(requests).slice(0, 4)).toEqual([500, 500, 500, 201]);
    expect(statuses(requests, 'PATCH', /\/trace/)).toContain(416);
    expect(statuses(requests, 'PUT', /\/jobs\/\d+$/)).toContain(502);
    for (const job of pipeline.jobs) {
      expect(job.checksum?.match, `trace of ${job.name} intact`).toBe(true);
    }
    expect(h.trace(h.job(pipeline, 'first').id)).toMatch(/line 1\nline 2\nline 3\n/);
    expect(h.started.manager.status().runners[0]).toMatchObject({
      state: 'running',
      loop: { healthy: true },
    });
  });

  it('waits out 409s and a 429 with Retry-After, then takes the jobs', async () => {
    const h = await e2e.start();
    const project = await h.createProject('two-jobs');
    h.server.faults.inject('jobs/request', { status: 409, times: 2 });
    const first = await h.runPipeline(project.id);
    expect(first.status).toBe('success');

    h.server.faults.inject('jobs/request', { status: 429, times: 1, retryAfterS: 3 });
    const before = h.proxy.requests.length;
    const second = await h.runPipeline(project.id);
    expect(second.status).toBe('success');
    const polls = h.proxy.requests
      .slice(before)
      .filter((r) => r.method === 'POST' && r.path.endsWith('/jobs/request'));
    const limited = polls.findIndex((r) => r.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    expect(pollAnswers(polls).slice(0, 2)).toEqual([429, 201]);
    // Retry-After: 3 is honoured: the next request comes no sooner (check_interval is 1 s).
    expect(polls[limited + 1]!.atMs - polls[limited]!.atMs).toBeGreaterThanOrEqual(2_900);
    expect(pollAnswers(h.proxy.requests).slice(0, 3)).toEqual([409, 409, 201]);
  });

  it('fails a job whose payload it cannot read, with a reason, and goes on with the next', async () => {
    const h = await e2e.start();
    const project = await h.createProject('two-jobs');
    h.server.faults.malformedPayload(1);
    const pipeline = await h.runPipeline(project.id);

    const [broken, fine] = pipeline.jobs;
    expect(broken).toMatchObject({ name: 'first', status: 'failed' });
    expect(broken?.failureReason).toBe('runner_system_failure');
    expect(h.trace(broken!.id)).toMatch(
      /ERROR: Job failed \(system failure\): spotrunner could not read the job payload: steps: /,
    );
    expect(fine).toMatchObject({ name: 'second', status: 'success' });

    const again = await h.runPipeline(project.id);
    expect(again.status).toBe('success');
    const runner = h.started.manager.status().runners[0];
    expect(runner?.state).toBe('running');
    expect(runner?.loop?.jobsReceived).toBe(3);
  });
});
