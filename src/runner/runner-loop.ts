/**
 * The loop for one [[runners]] entry: reserve → request → acquire → execute → report → release,
 * with `request_concurrency` pollers, the runner's `limit`, the global `concurrent` gate, and
 * gitlab-runner's health rule (3 unhealthy answers pause requests for `unhealthy_interval`).
 */
import { describeError } from '../platform/errors.js';
import {
  ShutdownTimeoutError,
  type LifecycleState,
  type StopOptions,
} from '../platform/lifecycle.js';
import type { JobOutcome } from '../executors/executor.js';
import type { JobPayload } from '../gitlab/job-payload.js';
import type { JobRef } from '../gitlab/runner-api.js';
import { failUnreadableJob } from '../gitlab/unreadable-job.js';
import { handleJob, type JobHandlerDeps, type JobHandlerOptions } from './job-handler.js';
import { ConcurrentIdPool } from './concurrent-ids.js';
import type { ConcurrencyGate } from './ports.js';

export interface RunnerLoopDeps extends JobHandlerDeps {
  gate: ConcurrencyGate;
}

export interface RunnerLoopOptions extends Omit<JobHandlerOptions, 'forceSignal' | 'concurrency'> {
  checkIntervalMs: number;
  unhealthyRequestsLimit?: number;
  unhealthyIntervalMs?: number;
}

export interface RunningJobView {
  id: number;
  name: string;
  project: string;
  startedAtMs: number;
}

export interface RunnerLoopStatus {
  runner: string;
  state: LifecycleState;
  running: readonly RunningJobView[];
  jobsReceived: number;
  jobsFinished: number;
  healthy: boolean;
  lastError?: string;
  /**
   * Since when job requests have had no usable answer from GitLab (unreachable, or the token
   * refused); absent while GitLab answers. `/health` turns it into a reason after a while.
   */
  gitlabUnreachableSinceMs?: number;
}

export interface RunnerLoop {
  readonly state: LifecycleState;
  start(): Promise<void>;
  stop(options: StopOptions): Promise<void>;
  status(): RunnerLoopStatus;
  /** Cuts running jobs off now (a second signal): they fail as interrupted and are reported. */
  abortJobs(reason: string): void;
  /** Resolves when the running jobs are all done (for tests and the sandbox). */
  idle(): Promise<void>;
}

export function createRunnerLoop(deps: RunnerLoopDeps, options: RunnerLoopOptions): RunnerLoop {
  const log = deps.logger.child({ component: 'runner', runner: options.runner.name });
  const stopRequests = new AbortController();
  const force = new AbortController();
  const running = new Map<number, { view: RunningJobView; done: Promise<JobOutcome> }>();
  const concurrentIds = new ConcurrentIdPool();
  /** Jobs with an unreadable payload being failed upstream. */
  const failing = new Set<Promise<void>>();
  const workers: Promise<void>[] = [];
  let state: LifecycleState = 'idle';
  let keySeq = 0;
  let received = 0;
  let finished = 0;
  let unhealthy = 0;
  let lastError: string | undefined;
  let unreachableSinceMs: number | undefined;
  const answered = (ok: boolean): void => {
    if (ok) unreachableSinceMs = undefined;
    else unreachableSinceMs ??= deps.clock.now();
  };
  const limit = options.runner.limit;
  const unhealthyLimit = options.unhealthyRequestsLimit ?? 3;
  const unhealthyIntervalMs = options.unhealthyIntervalMs ?? 60 * 60_000;

  const pause = (ms: number): Promise<void> =>
    deps.clock.sleep(ms, stopRequests.signal).catch(() => undefined);

  const startJob = (job: JobPayload, key: string): void => {
    received++;
    const view: RunningJobView = {
      id: job.id,
      name: job.job_info.name,
      project: job.job_info.project_full_path ?? job.job_info.project_name,
      startedAtMs: deps.clock.now(),
    };
    const concurrency = concurrentIds.acquire(job.id, job.job_info.project_id);
    const jobOptions = { ...options, forceSignal: force.signal, concurrency };
    const done = handleJob(deps, jobOptions, job, key).finally(() => {
      concurrentIds.release(job.id);
      running.delete(job.id);
      finished++;
      deps.gate.give();
    });
    running.set(job.id, { view, done });
  };

  /** Fails a job whose payload cannot be read, in the background, journaled like any job. */
  const failUnreadable = (ref: JobRef, reason: string): void => {
    const journaled = { id: ref.id, token: ref.token, job_info: { name: '(unreadable payload)' } };
    let keep = false;
    const task = (async (): Promise<void> => {
      await deps.journal?.received(journaled, options.runner.name);
      const result = await failUnreadableJob(deps, ref, {
        reason,
        signal: force.signal,
        onFinalState: (update) => deps.journal?.finishing(ref.id, update) ?? Promise.resolve(),
      });
      keep = result.kind === 'gave-up' && result.retryable;
    })()
      .catch((err: unknown) => {
        keep = true;
        log.error({ jobId: ref.id, err: describeError(err) }, 'failing an unreadable job failed');
      })
      .finally(() => {
        if (!keep) deps.journal?.finished(ref.id);
        failing.delete(task);
      });
    failing.add(task);
  };

  /**
   * One request for a job. Returns how long to wait before the next one; the concurrency gate
   * and the fleet reservation are given back before that wait, so that an idle poller holds
   * neither (other runners sharing `concurrent` can poll, `jobsRunning` counts jobs only).
   */
  const pollOnce = async (): Promise<number> => {
    if ((limit > 0 && running.size >= limit) || !deps.gate.tryTake()) {
      return options.checkIntervalMs;
    }
    const key = `${options.runner.name}/${++keySeq}`;
    const reserved = deps.fleet.reserve(key);
    if (!reserved.ok) {
      deps.gate.give();
      log.debug({ reason: reserved.reason }, 'no free capacity; not asking for a job');
      return options.checkIntervalMs;
    }
    let handedOff = false;
    try {
      const res = await deps.api.requestJob(stopRequests.signal);
      answered(res.kind !== 'none' || res.healthy);
      if (res.kind === 'job') {
        unhealthy = 0;
        handedOff = true;
        startJob(res.job, key);
        return 0;
      }
      if (res.kind === 'invalid') {
        log.warn({ jobId: res.id, reason: res.reason }, 'received an invalid job payload');
        if (res.id !== undefined && res.token !== undefined) {
          failUnreadable({ id: res.id, token: res.token }, res.reason);
        }
        return options.checkIntervalMs;
      }
      unhealthy = res.healthy ? 0 : unhealthy + 1;
      if (unhealthy >= unhealthyLimit) {
        log.error({ pauseMs: unhealthyIntervalMs }, 'runner is unhealthy; pausing job requests');
        unhealthy = 0;
        return unhealthyIntervalMs;
      }
      return res.retryAfterMs ?? options.checkIntervalMs;
    } finally {
      if (!handedOff) {
        deps.fleet.unreserve(key);
        deps.gate.give();
      }
    }
  };

  const worker = async (): Promise<void> => {
    while (!stopRequests.signal.aborted) {
      try {
        const waitMs = await pollOnce();
        if (waitMs > 0) await pause(waitMs);
      } catch (err: unknown) {
        if (stopRequests.signal.aborted) break;
        lastError = describeError(err);
        answered(false);
        log.error({ err: lastError }, 'job request failed');
        await pause(options.checkIntervalMs);
      }
    }
  };

  const allDone = async (): Promise<void> => {
    while (running.size > 0 || failing.size > 0) {
      await Promise.allSettled([...[...running.values()].map((r) => r.done), ...failing]);
    }
  };

  return {
    get state() {
      return state;
    },
    start(): Promise<void> {
      if (state !== 'idle') return Promise.resolve();
      state = 'running';
      const n = Math.max(1, options.runner.requestConcurrency);
      for (let i = 0; i < n; i++) workers.push(worker());
      log.info({ requestConcurrency: n, limit }, 'runner started');
      return Promise.resolve();
    },
    async stop({ graceMs }: StopOptions): Promise<void> {
      if (state === 'stopped') return;
      state = 'draining';
      stopRequests.abort(new Error('runner stopping'));
      await Promise.allSettled(workers);
      if (running.size > 0 || failing.size > 0) {
        log.info({ jobs: running.size + failing.size, graceMs }, 'waiting for running jobs');
        const timer = deps.clock.schedule(graceMs, () =>
          force.abort(new ShutdownTimeoutError(graceMs)),
        );
        await allDone();
        timer();
      }
      state = 'stopped';
      log.info({}, 'runner stopped');
    },
    abortJobs(reason: string): void {
      force.abort(new Error(reason));
    },
    status(): RunnerLoopStatus {
      return {
        runner: options.runner.name,
        state,
        running: [...running.values()].map((r) => r.view),
        jobsReceived: received,
        jobsFinished: finished,
        healthy: unhealthy === 0,
        ...(lastError === undefined ? {} : { lastError }),
        ...(unreachableSinceMs === undefined
          ? {}
          : { gitlabUnreachableSinceMs: unreachableSinceMs }),
      };
    },
    idle: allDone,
  };
}
