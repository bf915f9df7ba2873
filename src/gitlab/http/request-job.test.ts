import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { clientHarness, RUNNER_TOKEN, SYSTEM_ID } from '../testing/client-harness.js';
import { startGitLabDouble, type GitLabDouble } from '../testing/gitlab-double.js';
import { startHttpDouble, type HttpDouble, type Reply } from '../testing/http-double.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../testdata/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

let gitlab: GitLabDouble | undefined;
let server: HttpDouble | undefined;
afterEach(async () => {
  await gitlab?.close();
  await server?.close();
  gitlab = server = undefined;
});

async function withJob(name: string) {
  gitlab = await startGitLabDouble();
  gitlab.runnerToken = RUNNER_TOKEN;
  const job = gitlab.enqueue(fixture(name));
  const h = clientHarness(gitlab.url);
  return { h, job, result: await h.run(h.client.requestJob()) };
}

describe('requestJob payloads', () => {
  it('reads the protocol example job', async () => {
    const { result } = await withJob('job-example');
    if (result.kind !== 'job') throw new Error(`expected a job, got ${result.kind}`);
    expect(result.job.id).toBe(4242);
    expect(result.job.steps.map((s) => s.name)).toEqual(['script', 'after_script']);
    expect(result.job.artifacts[1]).toMatchObject({
      artifact_type: 'junit',
      artifact_format: 'gzip',
    });
    expect(result.job.dependencies[0]!.artifacts_file).toEqual({
      filename: 'artifacts.zip',
      size: 13631488,
    });
    expect(result.job.image?.entrypoint).toBeUndefined();
  });

  it('treats Rails nulls as absent and ignores unknown fields', async () => {
    const { result } = await withJob('job-rails-nulls');
    if (result.kind !== 'job') throw new Error(`expected a job, got ${result.kind}`);
    const job = result.job;
    expect(job.image).toBeUndefined();
    expect(job.artifacts).toEqual([]);
    expect(job.hooks).toEqual([]);
    expect(job.services[0]).toMatchObject({ name: 'docker:27-dind', command: [], pull_policy: [] });
    expect(job.services[0]!.alias).toBeUndefined();
    expect(job.services[1]!.executor_opts?.docker?.user).toBe('999');
    expect(job.steps[0]).toMatchObject({ when: 'on_success', allow_failure: false });
    expect(job.variables[1]!.value).toBe('');
    expect(job.features.token_mask_prefixes).toEqual(['acme_']);
    expect(job.dependencies[0]!.artifacts_file).toBeUndefined();
  });

  it('accepts odd scalar shapes where lists are expected', async () => {
    const { result } = await withJob('job-odd-scalars');
    if (result.kind !== 'job') throw new Error(`expected a job, got ${result.kind}`);
    const job = result.job;
    expect(job.image?.entrypoint).toEqual(['/bin/sh']);
    expect(job.image?.pull_policy).toEqual(['always']);
    expect(job.services[0]!.command).toEqual(["redis-server --save ''"]);
    expect(job.steps).toEqual([]);
    expect(job.git_info.refspecs).toEqual(['+refs/pipelines/5:refs/pipelines/5']);
    expect(job.features.failure_reasons).toEqual(['script_failure']);
    expect(job.variables[0]!.value).toBe('42');
    expect(job.cache[0]).toMatchObject({
      key: '',
      paths: ['vendor/'],
      policy: 'pull-push',
      when: 'on_success',
    });
  });

  it('hands back an unreadable job with its id and token, for the runner loop to fail', async () => {
    const { result, job } = await withJob('job-invalid');
    expect(result).toMatchObject({ kind: 'invalid', id: 7001, token: job.token });
    if (result.kind !== 'invalid') return;
    expect(result.reason).toContain('git_info');
    expect(job.updates).toEqual([]);
  });
});

describe('requestJob request and classification', () => {
  async function answering(...replies: Reply[]) {
    server = await startHttpDouble(() => (replies.length > 1 ? replies.shift()! : replies[0]!));
    return clientHarness(server.url);
  }

  it('sends token, system_id, info and echoes X-GitLab-Last-Update', async () => {
    const h = await answering(
      { status: 204, headers: { 'X-GitLab-Last-Update': 'abc123' } },
      { status: 204 },
    );
    expect(await h.run(h.client.requestJob())).toEqual({ kind: 'none', healthy: true });
    await h.run(h.client.requestJob());
    const [first, second] = server!.requests.map((r) => r.json as Record<string, unknown>);
    expect(first).toMatchObject({ token: RUNNER_TOKEN, system_id: SYSTEM_ID });
    expect(first).not.toHaveProperty('last_update');
    expect(second).toMatchObject({ last_update: 'abc123' });
    expect(server!.requests[0]!.headers['runner-token']).toBe(RUNNER_TOKEN);
    const info = first!.info as { features: Record<string, boolean>; executor: string };
    expect(info.executor).toBe('instance');
    expect(info.features.two_phase_job_commit).toBe(true);
    expect(h.client.lastUpdate).toBe('abc123');
  });

  it.each([
    [503, true],
    [409, true],
    [422, true],
    [500, true],
    [403, false],
  ])('classifies HTTP %i as no job, healthy=%s', async (status, healthy) => {
    const h = await answering({ status, body: { message: 'x' } });
    expect(await h.run(h.client.requestJob())).toMatchObject({ kind: 'none', healthy });
  });

  it('retries 429 and then reports the server-requested delay', async () => {
    const h = await answering({
      status: 429,
      headers: { 'Retry-After': '60' },
      body: { message: 'Executing database migrations. Please retry later.' },
    });
    const result = await h.run(h.client.requestJob());
    expect(result).toEqual({ kind: 'none', healthy: true, retryAfterMs: 60_000 });
    expect(server!.requests).toHaveLength(5);
  });

  it('counts a transport error as unhealthy', async () => {
    const h = await answering({ status: 204 });
    server!.handler = () => 'drop';
    expect(await h.run(h.client.requestJob())).toEqual({ kind: 'none', healthy: false });
  });

  it('rejects a 201 that is not JSON', async () => {
    const h = await answering({
      status: 201,
      headers: { 'Content-Type': 'text/html' },
      body: '<html>',
    });
    const result = await h.run(h.client.requestJob());
    expect(result).toMatchObject({ kind: 'invalid' });
    expect(server!.requests).toHaveLength(1);
  });
});
