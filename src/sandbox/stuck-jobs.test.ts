import { afterEach, describe, expect, it } from 'vitest';
import { STUCK_NO_RUNNER, STUCK_WITH_TAGS } from './model/stuck-jobs.js';
import {
  putJob,
  runNextJob,
  startHarness,
  takeJob,
  type Harness,
} from './testing/sandbox-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const TAGGED = `
build: { stage: build, script: make }
gpu: { stage: build, tags: [gpu, linux], script: train }
deploy: { stage: deploy, script: ship }
`;

describe('a pending job no runner can take', () => {
  it('is stuck at once with GitLab tags message while another job still runs', async () => {
    h = await startHarness({
      ci: TAGGED,
      runner: { tags: ['linux'], runUntagged: true },
      server: { dropStuckJobs: true },
    });
    const pipeline = h.server.pipelines()[0]!;
    const gpu = pipeline.jobs.find((j) => j.name === 'gpu')!;
    expect(gpu.status).toBe('pending');
    expect(gpu.stuck).toBe(`${STUCK_WITH_TAGS} gpu, linux`);
    expect(pipeline.jobs.find((j) => j.name === 'build')!.stuck).toBeNull();
  });

  it('is dropped once nothing else can run, and the pipeline ends failed', async () => {
    h = await startHarness({
      ci: TAGGED,
      runner: { tags: ['linux'], runUntagged: true },
      server: { dropStuckJobs: true },
    });
    const id = h.server.pipelines()[0]!.id;
    await runNextJob(h, 'success');

    const done = await h.server.waitForPipeline(id, { timeoutMs: 1 });
    expect(done.status).toBe('failed');
    expect(done.jobs.map((j) => [j.name, j.status, j.failureReason])).toEqual([
      ['build', 'success', null],
      ['gpu', 'failed', 'stuck_pending_no_matching_runners'],
      ['deploy', 'skipped', null],
    ]);
    expect(done.jobs[1]!.stuck).toBe(`${STUCK_WITH_TAGS} gpu, linux`);
  });

  it('fails at once when no job of the pipeline can run, with the untagged message', async () => {
    h = await startHarness({
      ci: 'only-job:\n  script: x\n',
      runner: { tags: ['docker'], runUntagged: false },
      server: { dropStuckJobs: true },
    });
    const done = await h.server.waitForPipeline(h.server.pipelines()[0]!.id, { timeoutMs: 1 });
    expect(done.status).toBe('failed');
    expect(done.jobs[0]).toMatchObject({
      status: 'failed',
      failureReason: 'stuck_pending_no_matching_runners',
      stuck: STUCK_NO_RUNNER,
    });
  });

  it('runs the jobs that do not wait for it before it is dropped (needs)', async () => {
    const ci = `
gpu: { stage: build, tags: [gpu], script: train }
lint: { stage: test, needs: [], script: lint }
report: { stage: test, needs: [gpu], script: report }
`;
    h = await startHarness({ ci, server: { dropStuckJobs: true } });
    const id = h.server.pipelines()[0]!.id;
    expect(h.server.pipeline(id)!.jobs.map((j) => j.status)).toEqual([
      'pending',
      'pending',
      'created',
    ]);
    const lint = await takeJob(h);
    expect((lint.payload.job_info as { name: string }).name).toBe('lint');
    expect(h.server.pipeline(id)!.jobs[0]!.status).toBe('pending'); // lint is assigned
    await putJob(h.url, lint.id, lint.token, { state: 'running' });
    expect(h.server.pipeline(id)!.jobs[0]!.status).toBe('pending'); // lint is running
    await putJob(h.url, lint.id, lint.token, { state: 'success' });

    const done = await h.server.waitForPipeline(id, { timeoutMs: 1 });
    expect(done.jobs.map((j) => [j.name, j.status])).toEqual([
      ['gpu', 'failed'],
      ['lint', 'success'],
      ['report', 'skipped'],
    ]);
  });

  it('cancels the other stuck jobs instead under auto_cancel:on_job_failure all', async () => {
    const ci = `
workflow:
  auto_cancel:
    on_job_failure: all
a: { tags: [x], script: x }
b: { tags: [y], script: y }
`;
    h = await startHarness({ ci, server: { dropStuckJobs: true } });
    const done = await h.server.waitForPipeline(h.server.pipelines()[0]!.id, { timeoutMs: 1 });
    expect(done.jobs.map((j) => [j.name, j.status, j.failureReason])).toEqual([
      ['a', 'failed', 'stuck_pending_no_matching_runners'],
      ['b', 'canceled', null],
    ]);
  });

  it('stays pending as in GitLab without dropStuckJobs, and is no longer stuck once a runner with its tags exists', async () => {
    h = await startHarness({ ci: 'gpu:\n  tags: [gpu]\n  script: x\n' });
    const id = h.server.pipelines()[0]!.id;
    expect(h.server.pipeline(id)!.jobs[0]).toMatchObject({
      status: 'pending',
      stuck: `${STUCK_WITH_TAGS} gpu`,
    });
    h.server.createRunner({ tags: ['gpu', 'cuda'] });
    expect(h.server.pipeline(id)!.jobs[0]).toMatchObject({ status: 'pending', stuck: null });
  });

  it('is stuck when its only matching runner is paused', async () => {
    h = await startHarness({ ci: 'a:\n  script: x\n', runner: { paused: true } });
    expect(h.server.pipelines()[0]!.jobs[0]!.stuck).toBe(STUCK_NO_RUNNER);
  });
});
