import { describe, expect, it } from 'vitest';
import { useE2e } from './use-e2e.js';

const e2e = useE2e();

describe('a multi-stage pipeline on local instances', () => {
  it('passes artifacts from build to test (needs) and to deploy (dependencies)', async () => {
    const h = await e2e.start();
    const project = await h.createProject('artifacts-flow');
    const pipeline = await h.runPipeline(project.id);

    expect(pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['build', 'success'],
      ['test', 'success'],
      ['unrelated', 'success'],
      ['deploy', 'success'],
    ]);
    expect(pipeline.status).toBe('success');
    const build = h.job(pipeline, 'build');
    expect(build.artifacts.map((a) => a.type)).toContain('archive');
    expect(h.trace(h.job(pipeline, 'test').id)).toContain(
      `test saw artifact payload 7f3e / built by job ${build.id}`,
    );
    expect(h.trace(h.job(pipeline, 'unrelated').id)).toContain('no artifacts here');
    const deploy = h.trace(h.job(pipeline, 'deploy').id);
    expect(deploy).toContain(
      `deploy saw artifact payload 7f3e and tests passed on built by job ${build.id}`,
    );
    expect(deploy).toContain('Downloading artifacts for build');
    expect(deploy).toContain('Downloading artifacts for test');
    for (const job of pipeline.jobs) {
      expect(job.checksum?.match, `trace checksum of ${job.name}`).toBe(true);
    }
  });
});
