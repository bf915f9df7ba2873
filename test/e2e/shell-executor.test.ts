import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processesUnder } from './harness.js';
import { useE2e } from './use-e2e.js';

const e2e = useE2e();

describe('the shell executor (jobs on the manager itself)', () => {
  it('runs a multi-stage pipeline with artifacts in builds_dir', async () => {
    const h = await e2e.start({ config: { executor: 'shell', limit: 4 } });
    const project = await h.createProject('artifacts-flow');
    const pipeline = await h.runPipeline(project.id);

    expect(pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['build', 'success'],
      ['test', 'success'],
      ['unrelated', 'success'],
      ['deploy', 'success'],
    ]);
    const build = h.job(pipeline, 'build');
    const deploy = h.trace(h.job(pipeline, 'deploy').id);
    expect(deploy).toContain('Preparing the "shell" executor');
    expect(deploy).toContain(
      `deploy saw artifact payload 7f3e and tests passed on built by job ${build.id}`,
    );
    const status = h.started.manager.status().runners[0];
    expect(status).toMatchObject({ executor: 'shell', state: 'running' });
    expect(status?.fleet?.instances.map((i) => [i.id, i.capacity])).toEqual([['manager', 4]]);
    expect((await readdir(join(h.dataDir, 'builds'))).length).toBeGreaterThan(0);
  });

  it("kills the job's processes on the manager when the job is cancelled", async () => {
    const h = await e2e.start({ config: { executor: 'shell', limit: 2 } });
    const project = await h.createProject('cancel-midway');
    const created = await h.server.createPipeline(project.id);
    const jobId = created.jobs[0]!.id;
    const buildsDir = join(h.dataDir, 'builds');
    await h.waitFor('the script to start', () => h.trace(jobId).includes('tick 1'));
    expect((await processesUnder(buildsDir)).length).toBeGreaterThanOrEqual(2);

    h.server.cancelJob(jobId);
    const done = await h.server.waitForPipeline(created.id, { timeoutMs: 20_000 });
    expect(h.job(done, 'long').status).toBe('canceled');
    expect(h.trace(jobId)).toContain('after_script ran with status canceled');
    await h.waitFor('the job to be released', () => h.started.manager.status().jobsRunning === 0);
    expect(await processesUnder(buildsDir)).toEqual([]);
  });
});
