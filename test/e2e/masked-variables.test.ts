import { describe, expect, it } from 'vitest';
import { useE2e } from './use-e2e.js';

const e2e = useE2e();

const SECRET = 'e2e-Secret-9b7c1d55';

describe('secrets', () => {
  it('a masked project variable never reaches a stored trace, a trace PATCH body or a log line', async () => {
    const h = await e2e.start();
    const project = await h.createProject('masked-secret');
    expect(project.variables.find((v) => v.key === 'E2E_SECRET')?.masked).toBe(true);
    const pipeline = await h.runPipeline(project.id);

    expect(pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['leak', 'success'],
      ['leak-and-fail', 'failed'],
      ['leak-debug', 'success'],
    ]);
    const leak = h.trace(h.job(pipeline, 'leak').id);
    expect(leak).toContain('plain visible-value and [MASKED]');
    expect(leak).toContain('on stderr [MASKED]');
    expect(leak).toContain('slow:[MASKED]:done');
    expect(leak).toContain('after_script [MASKED]');
    expect(h.trace(h.job(pipeline, 'leak-and-fail').id)).toContain('failing with [MASKED]');
    const debug = h.trace(h.job(pipeline, 'leak-debug').id);
    expect(debug).toContain('debug [MASKED]');
    expect(debug).toMatch(/\+\+? .*\[MASKED\]/); // xtrace lines are masked too

    for (const job of pipeline.jobs) {
      const raw = h.server.trace(job.id) ?? '';
      expect(raw.length).toBeGreaterThan(0);
      expect(raw, `stored trace of ${job.name}`).not.toContain(SECRET);
    }
    const sent = h.proxy.requests.filter((r) => r.method === 'PATCH' || r.method === 'PUT');
    expect(sent.filter((r) => r.method === 'PATCH').length).toBeGreaterThanOrEqual(3);
    for (const r of sent) {
      expect(r.body.toString('latin1'), `${r.method} ${r.path}`).not.toContain(SECRET);
    }
    // The slow job printed its value over ~4 s, longer than the first trace interval (3 s, before
    // the server says 1 s), so the value spanned at least two PATCH requests.
    const leakPatches = sent.filter((r) =>
      r.path.startsWith(`/api/v4/jobs/${h.job(pipeline, 'leak').id}/trace`),
    );
    expect(leakPatches.length).toBeGreaterThanOrEqual(2);
    const logs = JSON.stringify(h.logs.records);
    expect(h.logs.records.length).toBeGreaterThan(20);
    expect(logs).not.toContain(SECRET);
  });

  it('the runner and job tokens never reach a log line or a trace PATCH', async () => {
    const h = await e2e.start();
    const project = await h.createProject('artifacts-flow');
    const pipeline = await h.runPipeline(project.id);
    expect(pipeline.status).toBe('success');

    const jobTokens = new Set(
      h.proxy.requests.flatMap((r) => {
        const token = r.headers['job-token'];
        return typeof token === 'string' ? [token] : [];
      }),
    );
    expect(jobTokens.size).toBe(pipeline.jobs.length);
    const logs = JSON.stringify(h.logs.records);
    const patches = h.proxy.requests.filter((r) => r.method === 'PATCH');
    for (const token of [h.runner.token, ...jobTokens]) {
      expect(logs).not.toContain(token);
      for (const r of patches) expect(r.body.toString('latin1')).not.toContain(token);
    }
  });
});
