// Beside runner/ rather than in it: it checks the loop with the executors' real abort mapping.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import type { ExecutionContext, Executor, JobOutcome } from '../src/executors/executor.js';
import { abortFailure } from '../src/executors/job-failure.js';
import type { Acquisition, Fleet } from '../src/fleet/fleet.js';
import { jobPayloadSchema } from '../src/gitlab/job-payload.js';
import type { RunnerApi } from '../src/gitlab/runner-api.js';
import { VirtualClock } from '../src/platform/clock.js';
import { ShutdownTimeoutError } from '../src/platform/lifecycle.js';
import { silentLogger } from '../src/platform/logger.js';
import { createConcurrencyGate, type JobTrace } from '../src/runner/ports.js';
import { createRunnerLoop } from '../src/runner/runner-loop.js';

const runner = parseConfig(
  `concurrent = 1\n[[runners]]\nname = "a"\nurl = "http://127.0.0.1:1"\ntoken = "glrt-t1_${'a'.repeat(20)}"\nexecutor = "shell"\n`,
  '/tmp/config.toml',
  {},
).config.runners[0]!;

const job = jobPayloadSchema.parse({
  id: 9,
  token: 'glcbt-job-token',
  job_info: { name: 'deploy' },
  git_info: { repo_url: 'http://gitlab.test/g/p.git' },
});

function trace(finished: JobOutcome[]): JobTrace {
  const never = new AbortController().signal;
  return {
    cancelRequested: never,
    aborted: never,
    write: () => undefined,
    sectionStart: () => undefined,
    sectionEnd: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    start: () => undefined,
    finish: (o: JobOutcome) => {
      finished.push(o);
      return Promise.resolve({ kind: 'delivered' });
    },
    discard: () => Promise.resolve(),
  };
}

describe('runner loop shutdown', () => {
  it('cuts a job still running when shutdown_timeout expires off with a ShutdownTimeoutError', async () => {
    const clock = new VirtualClock();
    let handedOut = false;
    const api = {
      requestJob: async () => {
        await clock.sleep(10);
        if (handedOut) return { kind: 'none', healthy: true } as const;
        handedOut = true;
        return { kind: 'job', job } as const;
      },
      updateJob: () => Promise.resolve({ kind: 'succeeded', cancelRequested: false }),
    } as Partial<RunnerApi> as RunnerApi;
    const acquisition: Acquisition = {
      key: 'k',
      instanceId: 'i-1',
      slot: 0,
      signal: new AbortController().signal,
      connectInfo: () => Promise.reject(new Error('not needed')),
    };
    const fleet = {
      reserve: () => ({ ok: true }) as const,
      unreserve: () => undefined,
      acquire: () => Promise.resolve(acquisition),
      release: () => undefined,
    } as Partial<Fleet> as Fleet;
    const reasons: unknown[] = [];
    const executor: Executor = {
      name: 'fake',
      run: (ctx: ExecutionContext) =>
        new Promise<JobOutcome>((resolve) => {
          ctx.abortSignal.addEventListener('abort', () => {
            reasons.push(ctx.abortSignal.reason);
            const failure = abortFailure(ctx.abortSignal);
            resolve({ result: 'failed', failureReason: failure.reason });
          });
        }),
    };
    const finished: JobOutcome[] = [];
    const loop = createRunnerLoop(
      {
        clock,
        logger: silentLogger,
        api,
        fleet,
        gate: createConcurrencyGate(1),
        executor,
        connections: { get: () => Promise.resolve({} as never), invalidate: () => undefined },
        traces: () => trace(finished),
      },
      { runner, gitlabUrl: runner.url, checkIntervalMs: 3_000 },
    );
    await loop.start();
    await clock.advance(100);
    expect(loop.status().running).toHaveLength(1);

    const stopped = loop.stop({ graceMs: 30_000 });
    await clock.advance(29_000);
    expect(reasons).toEqual([]);
    await clock.advance(1_000);
    await stopped;
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(ShutdownTimeoutError);
    expect(reasons[0]).toMatchObject({ code: 'canceled', retryable: false, graceMs: 30_000 });
    // As before the reason had a type: the job ends canceled by the shutdown, not as a system failure.
    expect(finished).toEqual([{ result: 'failed', failureReason: 'job_canceled' }]);
  });
});
