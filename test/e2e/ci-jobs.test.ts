import { describe, expect, it } from 'vitest';
import { useE2e } from './use-e2e.js';

const e2e = useE2e();

describe('matrix jobs and dotenv reports on local instances', () => {
  it('runs one job per matrix combination and passes dotenv variables to the jobs that need them', async () => {
    const h = await e2e.start();
    const project = await h.createProject('dotenv-matrix');
    const pipeline = await h.runPipeline(project.id);

    expect(pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['build: [alpha]', 'success'],
      ['build: [beta]', 'success'],
      ['check-alpha', 'success'],
      ['collect', 'success'],
    ]);
    expect(h.trace(h.job(pipeline, 'build: [alpha]').id)).toContain(
      'built alpha as node 1 of 2 in job build: [alpha]',
    );
    expect(h.trace(h.job(pipeline, 'build: [beta]').id)).toContain(
      'built beta as node 2 of 2 in job build: [beta]',
    );
    for (const name of ['build: [alpha]', 'build: [beta]']) {
      expect(h.job(pipeline, name).artifacts.map((a) => a.type)).toContain('dotenv');
    }
    // needs:parallel:matrix: only the alpha build, so only its report.
    expect(h.trace(h.job(pipeline, 'check-alpha').id)).toContain(
      'check saw alpha=alpha-1 beta=none',
    );
    // Every earlier-stage job's report; dotenv wins over the job's own YAML variable.
    expect(h.trace(h.job(pipeline, 'collect').id)).toContain(
      'collect saw alpha=alpha-1 beta=beta-2',
    );
  });
});
