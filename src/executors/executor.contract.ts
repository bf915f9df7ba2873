/**
 * The behaviour every Executor implementation must show, as a shared vitest suite: call
 * `describeExecutorContract` from the implementation's test file with a way to build the
 * executor and a connection to a real target (local processes, a local sshd, a dockerd).
 */
import { describe, expect, it } from 'vitest';
import type { InstanceConnection } from '../connect/connection.js';
import type { JobPayload } from '../gitlab/job-payload.js';
import { SpotrunnerError } from '../platform/errors.js';
import type { Executor } from './executor.js';
import { runJob, type HarnessRun, type WatchedTrace } from './testing/executor-harness.js';
import { makeJob, makeTempDir, type JobSpec } from './testing/job-fixture.js';

export interface ExecutorContractTarget {
  executor: () => Executor;
  /** A connection for one job whose commands start in `dir`. */
  connection: (dir: string) => Promise<InstanceConnection>;
  /** Adjusts the standard job (e.g. adds an image for docker). */
  prepareJob?: (job: JobPayload) => JobPayload;
  /** Per-test timeout for slow targets. */
  testTimeoutMs?: number;
}

export function describeExecutorContract(name: string, target: ExecutorContractTarget): void {
  const run = async (
    spec: JobSpec,
    options: {
      cancel?: AbortController;
      abort?: AbortController;
      arm?: (t: WatchedTrace) => void;
    } = {},
  ): Promise<HarnessRun> => {
    const tmp = makeTempDir();
    const connection = await target.connection(tmp.dir);
    try {
      const job = makeJob(spec);
      return await runJob(target.prepareJob ? target.prepareJob(job) : job, {
        dir: tmp.dir,
        connection,
        executor: target.executor(),
        ...options,
      });
    } finally {
      await connection.close();
      tmp.remove();
    }
  };
  const timeout = target.testTimeoutMs ?? 60_000;

  describe(`${name} executor contract`, () => {
    it('runs a successful job and frames it like gitlab-runner', { timeout }, async () => {
      const { outcome, trace } = await run({ script: ['echo "job $CI_JOB_ID says hi"'] });
      expect(outcome.result).toBe('success');
      expect(trace.sectionNames()[0]).toBe('prepare_executor');
      expect(trace.sectionNames()).toContain('step_script');
      expect(trace.plain).toContain('$ echo "job $CI_JOB_ID says hi"');
      expect(trace.plain).toContain('job 4242 says hi');
      expect(trace.plain.trimEnd().endsWith('Job succeeded')).toBe(true);
    });

    it('reports the exit code of a failing script and runs after_script', { timeout }, async () => {
      const { outcome, trace } = await run({
        script: ['exit 4'],
        afterScript: ['echo "after=$CI_JOB_STATUS"'],
      });
      expect(outcome).toMatchObject({
        result: 'failed',
        failureReason: 'script_failure',
        exitCode: 4,
      });
      expect(trace.plain).toContain('after=failed');
      expect(trace.plain.trimEnd().endsWith('ERROR: Job failed: exit code 4')).toBe(true);
    });

    it('gives file variables as paths and never frames a masked value', { timeout }, async () => {
      const { outcome, trace } = await run({
        script: ['cat "$CONFIG_FILE"', 'test "${#SECRET}" = 13'],
        variables: [
          { key: 'CONFIG_FILE', value: 'config-content', file: true },
          { key: 'SECRET', value: 'hush-hush-123', masked: true },
        ],
      });
      expect(outcome.result).toBe('success');
      expect(trace.plain).toContain('config-content');
      expect(trace.text).not.toContain('hush-hush-123');
    });

    it('times out a job, without after_script', { timeout }, async () => {
      const { outcome, trace } = await run({
        timeoutSeconds: 2,
        script: ['sleep 600'],
        afterScript: ['echo after-ran'],
      });
      expect(outcome.failureReason).toBe('job_execution_timeout');
      expect(trace.plain).not.toContain('after-ran');
    });

    it('cancels gracefully and still runs after_script', { timeout }, async () => {
      const cancel = new AbortController();
      const { outcome, trace } = await run(
        { script: ['echo cancel-me', 'sleep 600'], afterScript: ['echo "after=$CI_JOB_STATUS"'] },
        { cancel, arm: (t) => t.when('cancel-me\n', () => cancel.abort()) },
      );
      expect(outcome.failureReason).toBe('job_canceled');
      expect(trace.plain).toContain('after=canceled');
    });

    it(
      'aborts without after_script; a lost instance is a system failure',
      { timeout },
      async () => {
        const abort = new AbortController();
        const { outcome, trace } = await run(
          { script: ['echo abort-me', 'sleep 600'], afterScript: ['echo after-ran'] },
          {
            abort,
            arm: (t) =>
              t.when('abort-me\n', () => abort.abort(new SpotrunnerError('instance_lost', 'gone'))),
          },
        );
        expect(outcome.failureReason).toBe('runner_system_failure');
        expect(trace.plain).not.toContain('after-ran');
      },
    );
  });
}
