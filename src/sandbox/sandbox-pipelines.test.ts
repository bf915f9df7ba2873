import { afterEach, describe, expect, it } from 'vitest';
import { parseJobPayload } from '../gitlab/job-payload.js';
import {
  patchTrace,
  postJson,
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

describe('pipelines over the runner API', () => {
  it('retries a failed job as a clone with a new id and token', async () => {
    h = await startHarness({ ci: 'flaky:\n  retry: 1\n  script: ./flaky.sh\n' });
    const first = await runNextJob(h, 'failed');
    const second = await takeJob(h);
    expect(second.id).not.toBe(first.id);
    expect(second.token).not.toBe(first.token);
    expect(h.server.job(first.id)).toMatchObject({ status: 'failed', retried: true });
    expect(h.server.job(second.id)).toMatchObject({ retryOf: first.id });
    expect((await putJob(h.url, first.id, first.token, { state: 'running' })).status).toBe(403);
  });

  it('skips later jobs after a failure and runs the on_failure job; pipeline failed', async () => {
    const ci = `
build: { stage: build, script: make }
test: { stage: test, script: make test }
report: { stage: test, when: on_failure, script: echo report }
`;
    h = await startHarness({ ci });
    await runNextJob(h, 'failed');
    const report = await runNextJob(h, 'success');
    expect((report.payload.job_info as { name: string }).name).toBe('report');
    const pipeline = h.server.pipelines()[0]!;
    expect(pipeline.status).toBe('failed');
    expect(pipeline.jobs.map((j) => [j.name, j.status])).toEqual([
      ['build', 'failed'],
      ['test', 'skipped'],
      ['report', 'success'],
    ]);
  });

  it('passes with warnings when an allow_failure job fails', async () => {
    h = await startHarness({
      ci: 'lint:\n  allow_failure: true\n  script: x\nbuild:\n  script: y\n',
    });
    await runNextJob(h, 'failed');
    await runNextJob(h, 'success');
    const pipeline = await h.server.waitForPipeline(h.server.pipelines()[0]!.id, { timeoutMs: 1 });
    expect(pipeline).toMatchObject({ status: 'success', withWarnings: true });
  });

  it('flags masked project variables as masked in the payload', async () => {
    h = await startHarness({
      ci: 'a:\n  script: echo $SECRET_TOKEN\n',
      files: {
        '.spotrunner-sandbox.yml':
          'variables:\n  FROM_FILE: plain-value\n  SECRET_TOKEN:\n    value: from-file-secret\n    masked: true\n',
      },
    });
    const job = await takeJob(h);
    const parsed = parseJobPayload(job.payload);
    if (!parsed.ok) throw new Error(parsed.reason);
    const vars = new Map(parsed.job.variables.map((v) => [v.key, v]));
    expect(vars.get('SECRET_TOKEN')).toMatchObject({
      value: 'from-file-secret',
      masked: true,
      public: false,
    });
    expect(vars.get('FROM_FILE')).toMatchObject({ value: 'plain-value', masked: false });
    expect(h.project.variables).toContainEqual({
      key: 'SECRET_TOKEN',
      masked: true,
      raw: false,
      file: false,
    });
  });

  it('refuses a masked variable GitLab could not mask', async () => {
    h = await startHarness({ ci: 'a:\n  script: x\n', pipeline: false });
    await expect(
      h.server.createProject({
        sourceDir: h.dir,
        name: 'other',
        variables: { SHORT: { value: 'abc', masked: true } },
      }),
    ).rejects.toThrow(/cannot be masked/);
  });

  it('evaluates rules against the pipeline: its branch, project variables and files', async () => {
    const ci = `
on-default-branch:
  script: x
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE == "push"
on-tags:
  script: x
  rules:
    - if: $CI_COMMIT_TAG
docs:
  script: x
  rules:
    - exists: ['docs/**/*.md']
no-dockerfile:
  script: x
  rules:
    - exists: [Dockerfile]
switched-off:
  script: x
  rules:
    - if: $FEATURE == "off"
      when: never
    - when: on_success
`;
    h = await startHarness({
      ci,
      files: {
        'docs/guide/intro.md': '# intro\n',
        '.spotrunner-sandbox.yml': 'variables:\n  FEATURE: "off"\n',
      },
    });
    const pipeline = h.server.pipelines()[0]!;
    expect(pipeline.status).not.toBe('failed');
    expect(pipeline.jobs.map((j) => j.name)).toEqual(['on-default-branch', 'docs']);
    const filtered = await postJson(`${h.url}/sandbox/api/projects/${h.project.id}/pipelines`, {
      ref: 'main',
      variables: { FEATURE: 'on' },
    });
    expect((filtered.json() as { jobs: { name: string }[] }).jobs.map((j) => j.name)).toEqual([
      'on-default-branch',
      'docs',
      'switched-off',
    ]);
  });

  it('reports YAML errors as a failed pipeline without jobs', async () => {
    h = await startHarness({ ci: 'a:\n  scrip: x\n' });
    const broken = h.server.pipelines()[0]!;
    expect(broken).toMatchObject({ status: 'failed', jobs: [] });
    expect(broken.errors[0]).toContain('unknown keys: scrip');
  });
});

describe('/sandbox/api', () => {
  it('creates a pipeline with inputs for the spec:inputs of .gitlab-ci.yml', async () => {
    const ci =
      'spec:\n  inputs:\n    count:\n      type: number\n---\nbuild:\n  parallel: $[[ inputs.count ]]\n  script: x\n';
    h = await startHarness({ ci });
    expect(h.server.pipelines()[0]!.errors).toEqual([
      '`count` input: required value has not been provided',
    ]);
    const created = await postJson(`${h.url}/sandbox/api/projects/${h.project.id}/pipelines`, {
      inputs: { count: 2 },
    });
    expect(created.status).toBe(201);
    expect((created.json() as { jobs: { name: string }[] }).jobs.map((j) => j.name)).toEqual([
      'build 1/2',
      'build 2/2',
    ]);
  });

  it('lists projects, pipelines, jobs and runners, creates pipelines, cancels jobs and serves traces', async () => {
    h = await startHarness({ ci: 'a:\n  interruptible: true\n  script: x\n' });
    const projects = (await (await fetch(`${h.url}/sandbox/api/projects`)).json()) as {
      id: number;
    }[];
    expect(projects.map((p) => p.id)).toEqual([h.project.id]);
    const created = await postJson(`${h.url}/sandbox/api/projects/${h.project.id}/pipelines`, {
      ref: 'main',
    });
    expect(created.status).toBe(201);
    const pipeline = created.json() as { id: number; warnings: string[]; jobs: { id: number }[] };
    expect(pipeline.warnings.join()).toContain('interruptible has no effect');
    const job = await takeJob(h);
    await putJob(h.url, job.id, job.token, { state: 'running' });
    await patchTrace(h.url, job.id, job.token, 0, '\u001b[32;1m$ echo hi\u001b[0;m\nhi\n');
    const raw = await (await fetch(`${h.url}/sandbox/api/jobs/${job.id}/trace`)).text();
    expect(raw).toContain('\u001b[32;1m');
    const plain = await (
      await fetch(`${h.url}/sandbox/api/jobs/${job.id}/trace?format=plain`)
    ).text();
    expect(plain).toBe('$ echo hi\nhi\n');
    const canceled = await postJson(`${h.url}/sandbox/api/jobs/${job.id}/cancel`, {});
    expect((canceled.json() as { status: string }).status).toBe('canceling');
    const runners = (await (await fetch(`${h.url}/sandbox/api/runners`)).json()) as {
      id: number;
    }[];
    expect(runners).toHaveLength(1);
    expect((await fetch(`${h.url}/sandbox/api/jobs/9999`)).status).toBe(404);
    const list = (await (
      await fetch(`${h.url}/sandbox/api/projects/${h.project.id}/pipelines`)
    ).json()) as unknown[];
    expect(list).toHaveLength(2);
  });
});
