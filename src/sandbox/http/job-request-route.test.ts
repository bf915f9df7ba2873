import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock, VirtualClock } from '../../platform/clock.js';
import { parseJobPayload } from '../../gitlab/job-payload.js';
import {
  featureMap,
  postJson,
  requestJob,
  startHarness,
  takeJob,
  type Harness,
} from '../testing/sandbox-harness.js';

const CI = `
build:
  stage: build
  script: echo build
test:
  stage: test
  script: echo test
`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('POST /jobs/request authentication', () => {
  it('answers 400 without a token and 403 JSON for an unknown token', async () => {
    h = await startHarness({ ci: CI });
    const missing = await postJson(`${h.url}/api/v4/jobs/request`, { info: {} });
    expect(missing.status).toBe(400);
    const unknown = await requestJob(h.url, 'glrt-nope');
    expect(unknown.status).toBe(403);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/json/);
    expect(unknown.json()).toEqual({ message: '403 Forbidden' });
  });
});

describe('POST /jobs/request queue', () => {
  it('gives 204 with X-GitLab-Last-Update when nothing is pending and 201 JSON without it', async () => {
    h = await startHarness({ ci: CI });
    const first = await requestJob(h.url, h.runnerToken);
    expect(first.status).toBe(201);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(first.headers.get('x-gitlab-last-update')).toBeNull();
    // only the build job is pending until it finishes
    const none = await requestJob(h.url, h.runnerToken);
    expect(none.status).toBe(204);
    const value = none.headers.get('x-gitlab-last-update');
    expect(value).toMatch(/^[0-9a-f]{32}$/);
    const again = await requestJob(h.url, h.runnerToken, { lastUpdate: value! });
    expect(again.status).toBe(204);
    expect(again.headers.get('x-gitlab-last-update')).toBe(value);
  });

  it('ticks the queue value when a job becomes pending', async () => {
    h = await startHarness({ ci: CI });
    const build = await takeJob(h);
    const none = await requestJob(h.url, h.runnerToken);
    const before = none.headers.get('x-gitlab-last-update')!;
    await fetch(`${h.url}/api/v4/jobs/${build.id}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'JOB-TOKEN': build.token },
      body: JSON.stringify({ token: build.token, state: 'running' }),
    });
    await fetch(`${h.url}/api/v4/jobs/${build.id}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'JOB-TOKEN': build.token },
      body: JSON.stringify({ token: build.token, state: 'success' }),
    });
    const next = await requestJob(h.url, h.runnerToken, { lastUpdate: before });
    expect(next.status).toBe(201);
    expect((next.json() as { job_info: { name: string } }).job_info.name).toBe('test');
  });

  it('releases a long poll when a job is enqueued and answers 204 without the header', async () => {
    h = await startHarness({ ci: CI, server: { longPollMs: 60_000 } });
    const build = await takeJob(h);
    const value = (await requestJob(h.url, h.runnerToken)).headers.get('x-gitlab-last-update')!;
    const held = requestJob(h.url, h.runnerToken, { lastUpdate: value });
    let settled = false;
    void held.then(() => (settled = true));
    await new SystemClock().sleep(50); // let the request reach the server and be held
    expect(settled).toBe(false);
    const token = build.token;
    await postJson(`${h.url}/api/v4/jobs/${build.id}`, { token, state: 'running' }, 'PUT');
    await postJson(`${h.url}/api/v4/jobs/${build.id}`, { token, state: 'success' }, 'PUT');
    const released = await held;
    expect(released.status).toBe(204);
    expect(released.headers.get('x-gitlab-last-update')).toBeNull();
    expect(released.headers.get('gitlab-ci-builds-polling')).toBe('yes');
    const next = await requestJob(h.url, h.runnerToken, { lastUpdate: value });
    expect(next.status).toBe(201);
  });

  it('ends a long poll with 204 after the hold time', async () => {
    const clock = new VirtualClock();
    h = await startHarness({ ci: 'a:\n  script: x\n', clock, server: { longPollMs: 30_000 } });
    await takeJob(h);
    const value = (await requestJob(h.url, h.runnerToken)).headers.get('x-gitlab-last-update')!;
    const held = requestJob(h.url, h.runnerToken, { lastUpdate: value });
    await new SystemClock().sleep(50); // let the request reach the server and be held
    await clock.advance(30_000);
    expect((await held).status).toBe(204);
  });

  it('answers injected 409 and 429 with Retry-After', async () => {
    h = await startHarness({ ci: CI });
    h.server.faults.inject('jobs/request', { status: 429, retryAfterS: 7 });
    const limited = await requestJob(h.url, h.runnerToken);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    h.server.faults.inject('jobs/request', { status: 409, times: 2 });
    expect((await requestJob(h.url, h.runnerToken)).status).toBe(409);
    expect((await requestJob(h.url, h.runnerToken)).status).toBe(409);
    expect((await requestJob(h.url, h.runnerToken)).status).toBe(201);
  });

  it('hands out a malformed payload when asked to, and a readable one after', async () => {
    h = await startHarness({ ci: CI });
    h.server.faults.malformedPayload(1);
    const broken = await requestJob(h.url, h.runnerToken);
    expect(broken.status).toBe(201);
    const parsed = parseJobPayload(broken.json());
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toMatch(/^steps: /);
    expect(parsed.ok ? undefined : parsed.id).toBeTypeOf('number');
    expect(h.server.job(parsed.ok ? 0 : parsed.id!)?.notes).toContain(
      'payload malformed on purpose (fault switch)',
    );
    await h.server.createPipeline(h.project.id);
    const next = await requestJob(h.url, h.runnerToken);
    expect(parseJobPayload(next.json()).ok).toBe(true);
  });

  it('answers 204 to a paused runner', async () => {
    h = await startHarness({ ci: CI, runner: { paused: true } });
    const res = await requestJob(h.url, h.runnerToken);
    expect(res.status).toBe(204);
    expect(res.headers.get('x-gitlab-last-update')).toBeTruthy();
  });
});

describe('POST /jobs/request matching', () => {
  const TAGGED = `
tagged:
  tags: [docker, linux]
  script: echo tagged
untagged:
  script: echo untagged
`;

  it('gives tagged jobs only to runners with all tags and untagged jobs only with run_untagged', async () => {
    h = await startHarness({ ci: TAGGED, runner: { tags: ['docker'], runUntagged: false } });
    expect((await requestJob(h.url, h.runnerToken)).status).toBe(204);
    const full = h.server.createRunner({ tags: ['docker', 'linux', 'x'], runUntagged: false });
    const job = await requestJob(h.url, full.token);
    expect((job.json() as { job_info: { name: string } }).job_info.name).toBe('tagged');
    expect((await requestJob(h.url, full.token)).status).toBe(204);
    const untagged = h.server.createRunner({});
    const other = await requestJob(h.url, untagged.token);
    expect((other.json() as { job_info: { name: string } }).job_info.name).toBe('untagged');
  });

  it('drops a job needing an undeclared feature as runner_unsupported and hands out the next', async () => {
    const ci = `
reports:
  script: echo
  artifacts:
    reports:
      junit: junit.xml
plain:
  script: echo
`;
    h = await startHarness({ ci });
    const res = await requestJob(h.url, h.runnerToken, {
      features: featureMap('all', ['upload_multiple_artifacts']),
    });
    expect((res.json() as { job_info: { name: string } }).job_info.name).toBe('plain');
    const dropped = h.server.pipelines()[0]!.jobs.find((j) => j.name === 'reports')!;
    expect(dropped.status).toBe('failed');
    expect(dropped.failureReason).toBe('runner_unsupported');
  });
});

describe('job payload', () => {
  it('is accepted by parseJobPayload and shaped like GitLab', async () => {
    const ci = `
variables:
  GLOBAL: "g"
  GIT_DEPTH: "5"
default:
  image: alpine:3
  before_script: [echo before]
build:
  stage: build
  services:
    - name: postgres:16
      alias: db
      variables: { POSTGRES_PASSWORD: pw }
  variables:
    JOB_VAR: "job-$GLOBAL"
    RAW: { value: "$GLOBAL", expand: false }
  script:
    - echo one
    - [echo two, echo three]
  after_script: echo after
  artifacts:
    name: bin
    paths: [dist/]
    expire_in: 1 week
    reports:
      dotenv: build.env
  cache:
    key: deps
    paths: [node_modules/]
    fallback_keys: [main-deps]
  timeout: 10 minutes
`;
    h = await startHarness({
      ci,
      variables: { SECRET_TOKEN: { value: 's3cr3t-value', masked: true } },
    });
    const job = await takeJob(h);
    const parsed = parseJobPayload(job.payload);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const p = parsed.job;
    const pipeline = h.server.pipelines()[0]!;
    expect(p.git_info.repo_url).toBe(
      `${h.url}/${h.project.path}.git`.replace('http://', `http://gitlab-ci-token:${job.token}@`),
    );
    expect(p.git_info.refspecs).toEqual([
      `+refs/pipelines/${pipeline.id}:refs/pipelines/${pipeline.id}`,
      '+refs/heads/main:refs/remotes/origin/main',
    ]);
    expect(p.git_info.depth).toBe(5);
    expect(p.git_info.sha).toBe(pipeline.sha);
    expect(p.runner_info.timeout).toBe(600);
    const vars = new Map(p.variables.map((v) => [v.key, v]));
    expect(vars.get('CI_JOB_TOKEN')).toMatchObject({
      value: job.token,
      masked: true,
      public: false,
    });
    expect(vars.get('CI_JOB_ID')?.value).toBe(String(job.id));
    expect(vars.get('CI_PIPELINE_ID')?.value).toBe(String(pipeline.id));
    expect(vars.get('CI_COMMIT_SHA')?.value).toBe(pipeline.sha);
    expect(vars.get('CI_COMMIT_REF_NAME')?.value).toBe('main');
    expect(vars.get('CI_SERVER_URL')?.value).toBe(h.url);
    expect(vars.get('CI_API_V4_URL')?.value).toBe(`${h.url}/api/v4`);
    expect(vars.get('CI_PROJECT_PATH')?.value).toBe(h.project.path);
    expect(vars.get('CI_JOB_STAGE')?.value).toBe('build');
    expect(vars.get('CI_REPOSITORY_URL')?.value).toBe(p.git_info.repo_url);
    expect(vars.get('JOB_VAR')?.value).toBe('job-g');
    expect(vars.get('RAW')).toMatchObject({ value: '$GLOBAL', raw: true });
    expect(vars.get('SECRET_TOKEN')).toMatchObject({ value: 's3cr3t-value', masked: true });
    expect(p.steps).toEqual([
      {
        name: 'script',
        script: ['echo before', 'echo one', 'echo two', 'echo three'],
        timeout: 600,
        when: 'on_success',
        allow_failure: false,
      },
      {
        name: 'after_script',
        script: ['echo after'],
        timeout: 600,
        when: 'always',
        allow_failure: true,
      },
    ]);
    expect(p.image?.name).toBe('alpine:3');
    expect(p.services[0]).toMatchObject({
      name: 'postgres:16',
      alias: 'db',
      variables: [{ key: 'POSTGRES_PASSWORD', value: 'pw' }],
    });
    expect(p.artifacts.map((a) => [a.artifact_type, a.artifact_format, a.name])).toEqual([
      ['archive', 'zip', 'bin'],
      ['dotenv', 'gzip', '.env'],
    ]);
    expect(p.artifacts[0]?.expire_in).toBe('1 week');
    expect(p.cache[0]).toMatchObject({
      key: 'deps-protected',
      paths: ['node_modules/'],
      policy: 'pull-push',
      fallback_keys: ['main-deps-protected'],
    });
    expect(p.features.trace_sections).toBe(true);
    expect(p.features.failure_reasons).toContain('script_failure');
  });
});
