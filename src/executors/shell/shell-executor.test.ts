import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../../connect/connection.js';
import { createProcessConnection } from '../../connect/process-connection.js';
import { SystemClock } from '../../platform/clock.js';
import { SpotrunnerError } from '../../platform/errors.js';
import { silentLogger } from '../../platform/logger.js';
import { describeExecutorContract } from '../executor.contract.js';
import { startHttpDouble, type HttpDouble } from '../testing/http-double.js';
import { liveProcesses, runJob } from '../testing/executor-harness.js';
import { makeJob, makeRunner, makeTempDir } from '../testing/job-fixture.js';
import { createShellExecutor } from './shell-executor.js';

describeExecutorContract('shell over local processes', {
  executor: () =>
    createShellExecutor(
      { logger: silentLogger, clock: new SystemClock() },
      { killGraceMs: 2000, settleMs: 2000 },
    ),
  connection: (dir) =>
    Promise.resolve(createProcessConnection({ instanceId: 'local-1', cwd: dir })),
});

let tmp: { dir: string; remove: () => void };

beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.remove());

describe('instance executor', () => {
  it('runs a job through every stage it needs and says it succeeded', async () => {
    const job = makeJob({
      script: ['echo "building in $CI_PROJECT_DIR"', 'test -f "$KUBECONFIG"'],
      variables: [
        { key: 'SECRET_TOKEN', value: 'sup3r-s3cret', masked: true },
        { key: 'KUBECONFIG', value: 'kind: Config', file: true },
      ],
    });
    const { outcome, trace } = await runJob(job, { dir: tmp.dir });
    expect(outcome).toEqual({ result: 'success', message: 'Job succeeded' });
    expect(trace.sectionNames()).toEqual([
      'prepare_executor',
      'prepare_script',
      'get_sources',
      'step_script',
      'cleanup_file_variables',
    ]);
    const lines = trace.plain.split('\n');
    expect(lines[0]).toBe('Running with spotrunner 0.1.0-test (abc123)');
    expect(lines[1]).toBe('  on test-runner t9Wkyj-HG');
    expect(trace.plain).toContain('Preparing the "instance" executor');
    expect(trace.plain).toContain('Running on local-1 (slot 0)...');
    expect(trace.plain).toContain('Executing "step_script" stage of the job script');
    expect(trace.plain).toContain('$ test -f "$KUBECONFIG"');
    expect(trace.plain.trimEnd().endsWith('Job succeeded')).toBe(true);
    expect(trace.text).not.toContain('sup3r-s3cret');
    expect(trace.text).not.toContain('kind: Config');
    expect(existsSync(join(tmp.dir, 'builds/t9Wkyj-HG/0/acme/widget.tmp/KUBECONFIG'))).toBe(false);
  });

  it('reports a failing script with its exit code and still runs after_script', async () => {
    const job = makeJob({
      script: ['echo before', 'exit 3', 'echo never'],
      afterScript: ['echo "after status=$CI_JOB_STATUS"'],
    });
    const { outcome, trace } = await runJob(job, { dir: tmp.dir });
    expect(outcome).toEqual({
      result: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
      message: 'Job failed: exit code 3',
    });
    expect(trace.plain).toContain('Running after script...');
    expect(trace.plain).toContain('after status=failed');
    expect(trace.plain).not.toContain('\nnever');
    expect(trace.plain.trimEnd().endsWith('ERROR: Job failed: exit code 3')).toBe(true);
  });

  it('only warns when after_script fails', async () => {
    const job = makeJob({
      script: ['true'],
      afterScript: ['echo "status=$CI_JOB_STATUS"', 'exit 5'],
    });
    const { outcome, trace } = await runJob(job, { dir: tmp.dir });
    expect(outcome.result).toBe('success');
    expect(trace.plain).toContain('status=success');
    expect(trace.plain).toContain(
      'WARNING: after_script failed, but job will continue unaffected: exit code 5',
    );
  });

  it('skips the script after a failed get_sources but saves failure artifacts', async () => {
    const job = makeJob({
      script: ['echo should-not-run'],
      afterScript: ['echo after-should-not-run'],
      hooks: [{ name: 'pre_get_sources_script', script: ['exit 9'] }],
      variables: [{ key: 'GIT_STRATEGY', value: 'clone' }],
      artifacts: [
        {
          name: 'logs',
          paths: ['x'],
          when: 'on_failure',
          artifact_type: 'archive',
          artifact_format: 'zip',
        },
      ],
    });
    const { outcome, trace } = await runJob(job, { dir: tmp.dir });
    expect(outcome.failureReason).toBe('script_failure');
    expect(outcome.exitCode).toBe(9);
    expect(trace.sectionNames()).toEqual([
      'prepare_executor',
      'prepare_script',
      'get_sources',
      'upload_artifacts_on_failure',
      'cleanup_file_variables',
    ]);
    expect(trace.plain).not.toContain('should-not-run\n');
  });

  it('runs in GIT_CLONE_PATH when custom_build_dir is enabled, and the concurrent project dir otherwise', async () => {
    const job = (value: string) =>
      makeJob({
        script: ['echo "dir=$CI_PROJECT_DIR id=$CI_CONCURRENT_ID/$CI_CONCURRENT_PROJECT_ID"'],
        variables: [
          { key: 'GIT_STRATEGY', value: 'none' },
          { key: 'GIT_CLONE_PATH', value },
        ],
      });
    const custom = await runJob(job('$CI_BUILDS_DIR/custom/widget'), {
      dir: tmp.dir,
      runner: makeRunner({ customBuildDirEnabled: true }),
      concurrency: { id: 3, projectId: 1 },
    });
    expect(custom.outcome.result).toBe('success');
    expect(custom.trace.plain).toContain(`dir=${join(tmp.dir, 'builds/custom/widget')} id=3/1`);
    const plain = await runJob(job(''), { dir: tmp.dir, concurrency: { id: 3, projectId: 1 } });
    expect(plain.trace.plain).toContain(`dir=${join(tmp.dir, 'builds/t9Wkyj-HG/1/acme/widget')}`);
  });

  it('fails the job before any stage when GIT_CLONE_PATH is not allowed or outside the builds dir', async () => {
    const job = (value: string) =>
      makeJob({ script: ['echo should-not-run'], variables: [{ key: 'GIT_CLONE_PATH', value }] });
    const refused = await runJob(job('$CI_BUILDS_DIR/custom'), { dir: tmp.dir });
    expect(refused.outcome).toEqual({
      result: 'failed',
      failureReason: 'script_failure',
      message:
        'Job failed: setting GIT_CLONE_PATH is not allowed, enable `custom_build_dir` feature',
    });
    expect(refused.trace.sectionNames()).toEqual(['prepare_executor']);
    const outside = await runJob(job('/tmp/elsewhere'), {
      dir: tmp.dir,
      runner: makeRunner({ customBuildDirEnabled: true, buildsDir: '/tmp/spotrunner-builds' }),
    });
    expect(outside.outcome.message).toBe(
      'Job failed: the GIT_CLONE_PATH="/tmp/elsewhere" has to be within "/tmp/spotrunner-builds"',
    );
    expect(outside.trace.plain).toContain(
      'ERROR: Job failed: the GIT_CLONE_PATH="/tmp/elsewhere" has to be within "/tmp/spotrunner-builds"',
    );
    expect(outside.trace.plain).not.toContain('should-not-run\n');
  });

  it('reports a lost connection as a runner system failure', async () => {
    const base = createProcessConnection({ instanceId: 'local-1', cwd: tmp.dir });
    let execs = 0;
    const flaky: InstanceConnection = {
      instanceId: base.instanceId,
      get closed() {
        return base.closed;
      },
      exec: (command, options) => {
        execs++;
        if (execs === 3)
          return Promise.reject(new SpotrunnerError('connect', 'ssh: connection reset'));
        return base.exec(command, options);
      },
      openUnixSocket: (p) => base.openUnixSocket(p),
      openTcp: (h, p) => base.openTcp(h, p),
      close: () => base.close(),
    };
    const { outcome, trace } = await runJob(makeJob(), { dir: tmp.dir, connection: flaky });
    expect(outcome.result).toBe('failed');
    expect(outcome.failureReason).toBe('runner_system_failure');
    expect(trace.plain).toContain('ERROR: Job failed (system failure): ssh: connection reset');
  });

  it('fails at once when the connection is already closed', async () => {
    const connection = createProcessConnection({ instanceId: 'local-1', cwd: tmp.dir });
    await connection.close();
    const { outcome, trace } = await runJob(makeJob(), { dir: tmp.dir, connection });
    expect(outcome.failureReason).toBe('runner_system_failure');
    expect(trace.sectionNames()).toEqual(['prepare_executor']);
  });
});

describe('instance executor artifacts and cache by result', () => {
  let gitlab: HttpDouble;
  beforeEach(async () => {
    gitlab = await startHttpDouble((_req, res) => {
      res.writeHead(201, { 'Content-Type': 'application/json' }).end('201');
    });
  });
  afterEach(() => gitlab.close());

  it('uploads on_failure and always artifacts and saves on_failure caches for a failed job', async () => {
    const entry = (name: string, when: string) => ({
      name,
      paths: ['out.txt'],
      when,
      artifact_type: 'archive',
      artifact_format: 'zip',
    });
    const job = makeJob({
      script: ['echo data > out.txt', 'exit 1'],
      artifacts: [entry('ok', 'on_success'), entry('bad', 'on_failure'), entry('any', 'always')],
      cache: [
        { key: 'good', paths: ['out.txt'], when: 'on_success' },
        { key: 'broken', paths: ['out.txt'], when: 'on_failure' },
      ],
    });
    const { outcome, trace } = await runJob(job, { dir: tmp.dir, gitlabUrl: gitlab.url });
    expect(outcome.failureReason).toBe('script_failure');
    expect(trace.sectionNames()).toContain('archive_cache_on_failure');
    expect(trace.sectionNames()).toContain('upload_artifacts_on_failure');
    const names = gitlab.requests.map(
      (r) => /filename="([^"]+)"/.exec(r.body.toString('latin1'))?.[1],
    );
    expect(names).toEqual(['bad.zip', 'any.zip']);
    expect(existsSync(join(tmp.dir, 'cache/acme/widget/broken/cache.zip'))).toBe(true);
    expect(existsSync(join(tmp.dir, 'cache/acme/widget/good/cache.zip'))).toBe(false);
  });

  it('fails a successful job whose artifacts cannot be uploaded', async () => {
    await gitlab.close();
    gitlab = await startHttpDouble((_req, res) => {
      res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"message":"403 Forbidden"}');
    });
    const job = makeJob({
      script: ['echo data > out.txt'],
      artifacts: [
        {
          name: 'a',
          paths: ['out.txt'],
          when: 'on_success',
          artifact_type: 'archive',
          artifact_format: 'zip',
        },
      ],
    });
    const { outcome, trace } = await runJob(job, { dir: tmp.dir, gitlabUrl: gitlab.url });
    expect(outcome).toMatchObject({
      result: 'failed',
      failureReason: 'script_failure',
      exitCode: 1,
    });
    expect(trace.plain).toContain('forbidden');
  });
});

describe('instance executor timeouts, cancel and abort', () => {
  const longScript = (marker: string) => [
    `bash -c 'sleep 1000; echo ${marker}' &`,
    `sleep 1001 # ${marker}`,
    'echo "ready"',
  ];

  it('kills a job that exceeds its timeout, with its children, and skips after_script', async () => {
    const marker = `timeout-${randomUUID()}`;
    const job = makeJob({
      timeoutSeconds: 2,
      script: longScript(marker),
      afterScript: ['echo after-ran'],
    });
    const { outcome, trace } = await runJob(job, { dir: tmp.dir });
    expect(outcome).toEqual({
      result: 'failed',
      failureReason: 'job_execution_timeout',
      message: 'Job failed: execution took longer than 2s seconds',
    });
    expect(trace.plain).toContain(
      'WARNING: step_script could not run to completion because the timeout was exceeded.',
    );
    expect(trace.plain).not.toContain('after-ran');
    expect(trace.sectionNames()).toContain('cleanup_file_variables');
    expect(liveProcesses(marker)).toEqual([]);
  });

  it('stops the script at RUNNER_SCRIPT_TIMEOUT and still runs after_script', async () => {
    const marker = `script-timeout-${randomUUID()}`;
    const job = makeJob({
      script: longScript(marker),
      afterScript: ['echo "after status=$CI_JOB_STATUS"'],
      variables: [{ key: 'RUNNER_SCRIPT_TIMEOUT', value: '1s' }],
    });
    const { outcome, trace } = await runJob(job, { dir: tmp.dir });
    expect(outcome.failureReason).toBe('job_execution_timeout');
    expect(trace.plain).toContain('after status=timedout');
    expect(liveProcesses(marker)).toEqual([]);
  });

  it('stops after_script at its own timeout and only warns', async () => {
    const job = makeJob({
      script: ['true'],
      afterScript: ['sleep 1000'],
      variables: [{ key: 'RUNNER_AFTER_SCRIPT_TIMEOUT', value: '1s' }],
    });
    const { outcome, trace } = await runJob(job, { dir: tmp.dir });
    expect(outcome.result).toBe('success');
    expect(trace.plain).toContain(
      'WARNING: after_script could not run to completion because the timeout was exceeded.',
    );
    expect(trace.plain).toContain('WARNING: after_script failed, but job will continue unaffected');
  });

  it('cancels gracefully: stops the script, runs after_script, reports job_canceled', async () => {
    const marker = `cancel-${randomUUID()}`;
    const cancel = new AbortController();
    const job = makeJob({
      script: [`echo waiting-for-cancel`, ...longScript(marker)],
      afterScript: ['echo "after status=$CI_JOB_STATUS"'],
    });
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      cancel,
      arm: (t) => t.when('waiting-for-cancel\n', () => cancel.abort()),
    });
    expect(outcome).toEqual({
      result: 'failed',
      failureReason: 'job_canceled',
      message: 'Job failed: canceled',
    });
    expect(trace.plain).toContain('WARNING: script canceled externally (UI, API)');
    expect(trace.plain).toContain('after status=canceled');
    expect(liveProcesses(marker)).toEqual([]);
  });

  it('aborts hard: kills the script and skips after_script', async () => {
    const marker = `abort-${randomUUID()}`;
    const abort = new AbortController();
    const job = makeJob({
      script: ['echo waiting-for-abort', ...longScript(marker)],
      afterScript: ['echo after-ran'],
    });
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      abort,
      arm: (t) => t.when('waiting-for-abort\n', () => abort.abort()),
    });
    expect(outcome.failureReason).toBe('job_canceled');
    expect(trace.plain).not.toContain('after-ran');
    expect(liveProcesses(marker)).toEqual([]);
  });

  it('treats a cancel before the script as the end of the job', async () => {
    const cancel = new AbortController();
    const job = makeJob({
      script: ['echo should-not-run'],
      afterScript: ['echo after-should-not-run'],
      variables: [{ key: 'GIT_STRATEGY', value: 'clone' }],
      hooks: [{ name: 'pre_get_sources_script', script: ['echo in-get-sources', 'sleep 1000'] }],
    });
    const { outcome, trace } = await runJob(job, {
      dir: tmp.dir,
      cancel,
      arm: (t) => t.when('in-get-sources\n', () => cancel.abort()),
    });
    expect(outcome.failureReason).toBe('job_canceled');
    expect(trace.sectionNames()).not.toContain('step_script');
    expect(trace.plain).not.toContain('should-not-run\n');
  });
});
