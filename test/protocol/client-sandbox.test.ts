/**
 * The real GitLab client and trace writer (src/gitlab) against the real embedded GitLab-compatible
 * server (src/sandbox): every behaviour the runner loop relies on, on the wire.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/platform/clock.js';
import { MemoryLogger } from '../../src/platform/logger.js';
import {
  acceptJob,
  createGitLabClient,
  createJobTrace,
  jobMaskedValues,
  type GitLabClient,
  type JobPayload,
} from '../../src/gitlab/index.js';
import { createSandboxServer, type SandboxServer } from '../../src/sandbox/index.js';
import { startPausableProxy, type PausableProxy } from './pausable-proxy.js';

const clock = new SystemClock();
let dir: string;
let server: SandboxServer;
let url: string;
let projectId: number;

async function project(
  ci: string,
  variables: Record<string, { value: string; masked?: boolean }> = {},
): Promise<number> {
  const src = join(dir, `p${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(src, { recursive: true });
  await writeFile(join(src, '.gitlab-ci.yml'), ci);
  return (await server.createProject({ sourceDir: src, variables })).id;
}

function client(token: string, base = url, executor = 'instance'): GitLabClient {
  return createGitLabClient(
    { clock, logger: new MemoryLogger() },
    { url: base, token, systemId: 's_0123456789ab', info: { version: '0.1.0-test', executor } },
  );
}

async function nextJob(api: GitLabClient): Promise<JobPayload> {
  for (let i = 0; i < 50; i++) {
    const r = await api.requestJob();
    if (r.kind === 'job') return r.job;
    await clock.sleep(50);
  }
  throw new Error('no job handed out');
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spotrunner-protocol-'));
  server = createSandboxServer(
    { clock, logger: new MemoryLogger() },
    { dataDir: join(dir, 'gitlab'), traceUpdateIntervalS: 1 },
  );
  url = (await server.start()).url;
  projectId = await project('one:\n  script: [echo one]\n');
});

afterEach(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('GitLab client against the embedded server', () => {
  it('verifies a runner token and reports a wrong one as invalid', async () => {
    const { id, token } = server.createRunner();
    expect(await client(token).verify()).toMatchObject({ valid: true, id });
    expect((await client('glrt-not-a-real-token-000').verify()).valid).toBe(false);
  });

  it('registers with a legacy registration token and with a created runner token', async () => {
    const legacy = await client('').register(server.registrationToken, {
      description: 'legacy',
      tagList: ['arm'],
    });
    expect(legacy).toMatchObject({ flow: 'legacy' });
    expect((await client(legacy.token).verify()).valid).toBe(true);
    const created = server.createRunner();
    expect(await client('').register(created.token)).toMatchObject({
      flow: 'verify',
      id: created.id,
      token: created.token,
    });
    await expect(client('').register('GR1348941wrong-token-xyz')).rejects.toThrow(
      /403|invalid|forbidden/i,
    );
  });

  it('gets no job while the queue is empty, then the job once a pipeline exists', async () => {
    const api = client(server.createRunner().token);
    expect(await api.requestJob()).toMatchObject({ kind: 'none', healthy: true });
    expect(api.lastUpdate).toBeTruthy();
    await server.createPipeline(projectId);
    const job = await nextJob(api);
    expect(job.job_info.name).toBe('one');
    expect(job.git_info.repo_url).toContain(`gitlab-ci-token:${job.token}@`);
  });

  it('keeps a job in the ack window with keep-alives and accepts it once capacity is ready', async () => {
    const api = client(server.createRunner().token);
    await server.createPipeline(projectId);
    const job = await nextJob(api);
    expect(server.job(job.id)).toMatchObject({ status: 'pending', awaitingAck: true });
    const ready = clock.sleep(400).then(() => 'capacity');
    const res = await acceptJob({ api, clock, logger: new MemoryLogger() }, job, {
      waitFor: ready,
      intervalMs: 100,
    });
    expect(res).toMatchObject({ kind: 'accepted', value: 'capacity' });
    expect(res.keepAlives).toBeGreaterThanOrEqual(2);
    expect(server.job(job.id)?.status).toBe('running');
  });

  it('streams a masked trace and delivers the final state with a checksum GitLab agrees with', async () => {
    const pid = await project('secret:\n  script: [echo hi]\n', {
      SECRET: { value: 's3cr3t-value-42', masked: true },
    });
    const api = client(server.createRunner().token);
    await server.createPipeline(pid);
    const job = await nextJob(api);
    await api.updateJob(job, { state: 'running' });
    const trace = createJobTrace(
      { clock, logger: new MemoryLogger(), api },
      {
        job,
        maskedValues: jobMaskedValues(job),
        tokenPrefixes: [],
        outputLimitBytes: 1 << 20,
        traceSections: true,
        updateIntervalMs: 100,
      },
    );
    trace.start();
    trace.sectionStart('step_script', 'Executing "step_script" stage of the job script');
    trace.write('the secret is s3cr3t-');
    await clock.sleep(250);
    trace.write('value-42 and the token is ' + job.token + '\n');
    trace.sectionEnd('step_script');
    const result = await trace.finish({ result: 'success' });
    expect(result).toMatchObject({ kind: 'delivered' });
    const stored = server.trace(job.id)!;
    expect(stored).toContain('the secret is [MASKED] and the token is [MASKED]');
    expect(stored).not.toContain('s3cr3t');
    expect(stored).toMatch(/section_start:\d+:step_script/);
    expect(server.job(job.id)).toMatchObject({ status: 'success', checksum: { match: true } });
  });

  it('keeps asking while GitLab says the trace is persisting (202), then gets the final state in', async () => {
    const api = client(server.createRunner().token);
    await server.createPipeline(projectId);
    const job = await nextJob(api);
    await api.updateJob(job, { state: 'running' });
    server.faults.tracePersisting(2, 1);
    const trace = createJobTrace(
      { clock, logger: new MemoryLogger(), api },
      {
        job,
        maskedValues: [],
        tokenPrefixes: [],
        outputLimitBytes: 1 << 20,
        traceSections: false,
        updateIntervalMs: 100,
      },
    );
    trace.start();
    trace.write('done\n');
    await trace.finish({ result: 'failed', failureReason: 'script_failure', exitCode: 3 });
    expect(server.job(job.id)).toMatchObject({
      status: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
    });
  });

  it('learns the server length from a 416 and appends from there', async () => {
    const api = client(server.createRunner().token);
    await server.createPipeline(projectId);
    const job = await nextJob(api);
    await api.updateJob(job, { state: 'running' });
    expect(await api.patchTrace(job, Buffer.from('hello '), 0)).toMatchObject({
      kind: 'ok',
      sentOffset: 6,
    });
    const wrong = await api.patchTrace(job, Buffer.from('x'), 2);
    expect(wrong).toMatchObject({ kind: 'range-mismatch', sentOffset: 6 });
    expect(await api.patchTrace(job, Buffer.from('world'), wrong.sentOffset)).toMatchObject({
      kind: 'ok',
      sentOffset: 11,
    });
    expect(server.trace(job.id)).toBe('hello world');
  });

  it('sees a graceful cancel as canceling and a force cancel as an abort', async () => {
    const api = client(server.createRunner().token);
    await server.createPipeline(projectId);
    await server.createPipeline(projectId);
    const first = await nextJob(api);
    const second = await nextJob(api);
    for (const j of [first, second]) await api.updateJob(j, { state: 'running' });
    const traceOf = (j: JobPayload) =>
      createJobTrace(
        { clock, logger: new MemoryLogger(), api },
        {
          job: j,
          maskedValues: [],
          tokenPrefixes: [],
          outputLimitBytes: 1 << 20,
          traceSections: false,
          updateIntervalMs: 100,
        },
      );
    const graceful = traceOf(first);
    graceful.start();
    server.cancelJob(first.id);
    graceful.write('still running after_script\n');
    await waitFor(() => graceful.cancelRequested.aborted);
    expect(graceful.aborted.aborted).toBe(false);
    await graceful.finish({ result: 'failed', failureReason: 'unknown_failure' });
    expect(server.job(first.id)?.status).toBe('canceled');
    const forced = traceOf(second);
    forced.start();
    server.cancelJob(second.id, { force: true });
    forced.write('x\n');
    await waitFor(() => forced.aborted.aborted);
    await forced.discard();
    expect(server.job(second.id)?.status).toBe('canceled');
  });

  it('uploads artifacts and downloads them for a dependent job', async () => {
    const pid = await project(
      'stages: [build, test]\nbuild:\n  stage: build\n  script: [x]\n  artifacts: { paths: [out/] }\ntest:\n  stage: test\n  script: [y]\n',
    );
    const api = client(server.createRunner().token);
    await server.createPipeline(pid);
    const build = await nextJob(api);
    await api.updateJob(build, { state: 'running' });
    const zip = Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'binary');
    expect(
      await api.uploadArtifacts(build, {
        file: zip,
        name: 'artifacts',
        format: 'zip',
        type: 'archive',
        expireIn: '1 day',
      }),
    ).toMatchObject({ kind: 'ok' });
    await api.updateJob(build, { state: 'success' });
    const test = await nextJob(api);
    await api.updateJob(test, { state: 'running' });
    const dep = test.dependencies.find((d) => d.name === 'build')!;
    const dest = join(dir, 'dl.zip');
    expect(await api.downloadArtifacts({ id: dep.id, token: dep.token }, dest)).toMatchObject({
      kind: 'ok',
    });
    expect(await readFile(dest)).toEqual(zip);
  });

  it('keeps the whole trace and delivers the final state after GitLab stops answering for a while', async () => {
    const proxy: PausableProxy = await startPausableProxy(new URL(url));
    try {
      const api = client(server.createRunner().token, proxy.url);
      await server.createPipeline(projectId);
      const job = await nextJob(api);
      await api.updateJob(job, { state: 'running' });
      const trace = createJobTrace(
        { clock, logger: new MemoryLogger(), api },
        {
          job,
          maskedValues: [],
          tokenPrefixes: [],
          outputLimitBytes: 1 << 20,
          traceSections: false,
          updateIntervalMs: 100,
        },
      );
      trace.start();
      const lines = Array.from({ length: 40 }, (_, i) => `line ${i}\n`);
      for (const l of lines.slice(0, 10)) trace.write(l);
      await clock.sleep(300);
      await proxy.down();
      for (const l of lines.slice(10)) trace.write(l);
      const finished = trace.finish({ result: 'success' });
      await clock.sleep(2_500);
      expect(server.job(job.id)?.status).toBe('running');
      await proxy.up();
      await finished;
      expect(server.trace(job.id)).toBe(lines.join(''));
      expect(server.job(job.id)).toMatchObject({ status: 'success', checksum: { match: true } });
    } finally {
      await proxy.stop();
    }
  }, 60_000);
});

async function waitFor(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await clock.sleep(50);
  }
}
