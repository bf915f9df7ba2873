/**
 * One GitLab job from the moment it arrives until GitLab has its final state: acquire a slot
 * (keeping the job in GitLab's ack window meanwhile), connect, execute, rescue the job when its
 * instance is taken back, report, release.
 */
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { anySignal } from '../platform/abort.js';
import { describeError, SpotrunnerError } from '../platform/errors.js';
import { formatDurationMs } from '../platform/durations.js';
import type { CompiledRunner } from '../config/types.js';
import type { Acquisition, Fleet } from '../fleet/fleet.js';
import type { Executor, JobOutcome, JobTimings } from '../executors/executor.js';
import type { JobPayload } from '../gitlab/job-payload.js';
import type { RunnerApi } from '../gitlab/runner-api.js';
import { acceptJob } from '../gitlab/accept-job.js';
import type { CacheUrlsFactory, ConnectionSource, JobTrace, JobTraceFactory } from './ports.js';
import type { ConcurrentIds } from './concurrent-ids.js';
import { describeLoss, type JobJournal } from './journal.js';
import { startJobTally, type JobRecorder } from './job-recorder.js';
import { decideRescue } from './rescue-rule.js';

export interface JobHandlerDeps {
  clock: Clock;
  logger: Logger;
  api: RunnerApi;
  fleet: Fleet;
  executor: Executor;
  connections: ConnectionSource;
  traces: JobTraceFactory;
  cacheUrls?: CacheUrlsFactory;
  journal?: JobJournal;
  /** Where each finished job's record goes (the manager's history); never a token. */
  recorder?: JobRecorder;
  /**
   * After a system failure while the acquisition still looks alive (the SSH connection dropped
   * before the fleet noticed the instance vanish): checks with the cloud now, and resolves true
   * when the instance turned out to be lost (its acquisition signal aborted), so the job is
   * rescued like after a notice instead of failing.
   */
  confirmLoss?: (acquisition: Acquisition) => Promise<boolean>;
  /**
   * Where a rescued job reruns when `rerun_on_fallback` is set: asks the fallback group for an
   * instance and returns a filter for its instances (undefined: anywhere but the lost instance).
   */
  rerunPlacement?: (signal?: AbortSignal) => Promise<((instanceId: string) => boolean) | undefined>;
}

export interface JobHandlerOptions {
  runner: CompiledRunner;
  /** GitLab as instances reach it (artifacts); the runner url by default. */
  gitlabUrl: string;
  /** Aborted when the manager must stop now (second signal, grace over). */
  forceSignal: AbortSignal;
  /** Attempts to prepare a job on an instance that cannot be reached. */
  prepareAttempts?: number;
  /** The job's concurrent ids among the runner's running jobs (ConcurrentIdPool). */
  concurrency: ConcurrentIds;
}

interface Attempt {
  key: string;
  acquisition?: Acquisition;
}

/** Runs the job to its end. Never throws: every fault becomes the job's failure. */
export async function handleJob(
  deps: JobHandlerDeps,
  options: JobHandlerOptions,
  job: JobPayload,
  reservationKey: string,
): Promise<JobOutcome> {
  const log = deps.logger.child({ jobId: job.id, job: job.job_info.name });
  const trace = deps.traces(job);
  const avoid: string[] = [];
  const spot = options.runner.spotrunner;
  let reruns = 0;
  let attempt: Attempt = { key: reservationKey };
  let accept: ((instanceId: string) => boolean) | undefined;
  let accepted = false;
  let outcome: JobOutcome | undefined;
  /** Set when the final state could not be delivered yet: the journal keeps it for a restart. */
  let undelivered = false;
  const released = new Set<string>();
  const tally = startJobTally(deps, options.runner.name, job);
  const release = (key: string, healthy?: boolean): void => {
    if (released.has(key)) return;
    released.add(key);
    deps.fleet.release(key, healthy === undefined ? {} : { healthy });
  };

  const finish = async (result: JobOutcome): Promise<void> => {
    const delivery = await trace.finish(result, {
      onFinalState: (update) => deps.journal?.finishing(job.id, update) ?? Promise.resolve(),
    });
    undelivered = delivery.kind === 'gave-up' && delivery.retryable === true;
    if (undelivered) log.error({}, 'final state not delivered; kept for the next start');
  };

  try {
    // On disk before any instance is asked for: a crash during a cold start still reports it.
    await deps.journal?.received(job, options.runner.name);
    for (;;) {
      const placement = { avoid, accept };
      const acquired = await acquireFor(deps, options, job, attempt, placement, trace, accepted);
      if (acquired === 'gone') return await closeAborted(trace, log);
      if (acquired === 'expired') return await closeExpired(trace, log);
      if (!accepted) {
        accepted = true;
        trace.start();
        deps.journal?.accepted(job, options.runner.name);
      }
      if (acquired.kind === 'failed') {
        outcome = acquired.outcome;
        break;
      }
      attempt.acquisition = acquired.acquisition;
      deps.journal?.started(job, acquired.acquisition.instanceId, options.runner.name);
      tally.started(acquired.acquisition.instanceId);
      outcome = await executeOn(deps, options, job, acquired, trace, log, tally);
      if (trace.aborted.aborted) return await closeAborted(trace, log);

      const lost =
        acquired.acquisition.signal.aborted ||
        (isSystemFailure(outcome) &&
          !options.forceSignal.aborted &&
          (await deps.confirmLoss?.(acquired.acquisition)) === true);
      if (!lost) break;
      tally.lost();
      const why = describeLoss(acquired.acquisition.signal.reason, acquired.acquisition.instanceId);
      log.warn(
        { instanceId: acquired.acquisition.instanceId, reason: why },
        'job lost its instance',
      );
      release(attempt.key, false);
      avoid.push(acquired.acquisition.instanceId);
      const rescue = decideRescue(spot, reruns);
      if (rescue.action === 'fail') {
        trace.error(
          `${why}. ${rescue.because === 'interruption_mode' ? 'interruption_mode is "fail"' : `Already rerun ${reruns} time(s) (max_reruns ${spot.maxReruns})`}: failing the job as a runner system failure so retry: rules apply.`,
        );
        outcome = { result: 'failed', failureReason: 'runner_system_failure', message: why };
        break;
      }
      reruns = rescue.rerun;
      trace.warn(
        `${why}. Running the job again from the start on another instance (rerun ${reruns} of at most ${spot.maxReruns}).`,
      );
      attempt = { key: `${reservationKey}#rerun${reruns}` };
      if (spot.rerunOnFallback && deps.rerunPlacement) {
        accept = await deps.rerunPlacement(options.forceSignal).catch((err: unknown) => {
          log.warn(
            { err: describeError(err) },
            'no fallback capacity for the rerun; using any instance',
          );
          return undefined;
        });
        if (accept) trace.info('The rerun goes to the fallback group (rerun_on_fallback).');
      }
    }
    await finish(outcome);
    tally.done(outcome.result, outcome.failureReason);
    log.info(
      { result: outcome.result, failureReason: outcome.failureReason, reruns },
      'job finished',
    );
    return outcome;
  } catch (err: unknown) {
    log.error({ err: describeError(err) }, 'job handling failed');
    const failed: JobOutcome = {
      result: 'failed',
      failureReason: 'runner_system_failure',
      message: describeError(err),
    };
    trace.error(`Job failed (system failure): ${describeError(err)}`);
    await finish(failed).catch((e: unknown) => {
      log.error({ err: describeError(e) }, 'final update failed');
    });
    tally.done(failed.result, failed.failureReason);
    return failed;
  } finally {
    tally.done(trace.aborted.aborted ? 'canceled' : 'not-run');
    release(attempt.key);
    if (!undelivered) deps.journal?.finished(job.id);
  }
}

type AcquireResult =
  | { kind: 'ok'; acquisition: Acquisition; notes: string[] }
  | { kind: 'failed'; outcome: JobOutcome }
  /** GitLab no longer wants the job from us. */
  | 'gone'
  /** No capacity; the job was left in GitLab's ack window to expire and be re-queued. */
  | 'expired';

async function acquireFor(
  deps: JobHandlerDeps,
  options: JobHandlerOptions,
  job: JobPayload,
  attempt: Attempt,
  placement: { avoid: readonly string[]; accept: ((instanceId: string) => boolean) | undefined },
  trace: JobTrace,
  accepted: boolean,
): Promise<AcquireResult> {
  const signal = anySignal(trace.aborted, options.forceSignal);
  const started = deps.clock.now();
  const waitFor = deps.fleet.acquire(attempt.key, {
    signal,
    avoid: placement.avoid,
    ...(placement.accept ? { accept: placement.accept } : {}),
    jobId: job.id,
  });
  const ok = (acquisition: Acquisition): AcquireResult => {
    const waited = deps.clock.now() - started;
    const notes = waited > 1000 ? [`Waited ${formatDurationMs(waited)} for an instance`] : [];
    return { kind: 'ok', acquisition, notes };
  };
  const failed = (err: unknown): AcquireResult => {
    const message =
      err instanceof SpotrunnerError && err.code === 'acquire_timeout'
        ? err.message
        : `unable to acquire instance: ${describeError(err)}`;
    trace.error(`Preparation failed: ${message}`);
    return {
      kind: 'failed',
      outcome: { result: 'failed', failureReason: 'runner_system_failure', message },
    };
  };
  if (accepted) {
    try {
      return ok(await waitFor);
    } catch (err: unknown) {
      return trace.aborted.aborted ? 'gone' : failed(err);
    }
  }
  // Two-phase commit: keep the job in GitLab's ack window while capacity comes, then accept it.
  const res = await acceptJob(
    { api: deps.api, clock: deps.clock, logger: deps.logger },
    { id: job.id, token: job.token },
    { waitFor, signal: options.forceSignal },
  );
  switch (res.kind) {
    case 'accepted':
      if (res.cancelRequested) {
        deps.fleet.release(attempt.key, {});
        trace.warn('The job was canceled before it started.');
        return {
          kind: 'failed',
          outcome: {
            result: 'failed',
            failureReason: 'job_canceled',
            message: 'canceled before start',
          },
        };
      }
      return ok(res.value);
    case 'aborted':
      if (res.value) deps.fleet.release(attempt.key, {});
      return 'gone';
    case 'not-ready':
      if (trace.aborted.aborted) return 'gone';
      return res.ackWindow ? 'expired' : failed(res.error);
    default:
      return 'gone';
  }
}

async function executeOn(
  deps: JobHandlerDeps,
  options: JobHandlerOptions,
  job: JobPayload,
  acquired: { acquisition: Acquisition; notes: readonly string[] },
  trace: JobTrace,
  log: Logger,
  timings: JobTimings,
): Promise<JobOutcome> {
  const { acquisition } = acquired;
  const abortSignal = anySignal(trace.aborted, acquisition.signal, options.forceSignal);
  let connection;
  try {
    connection = await deps.connections.get(acquisition, abortSignal);
  } catch (err: unknown) {
    deps.connections.invalidate(acquisition.instanceId);
    log.warn(
      { instanceId: acquisition.instanceId, err: describeError(err) },
      'instance unreachable',
    );
    trace.error(`Could not connect to instance ${acquisition.instanceId}: ${describeError(err)}`);
    return {
      result: 'failed',
      failureReason: 'runner_system_failure',
      message: describeError(err),
    };
  }
  const info = await acquisition.connectInfo(abortSignal).catch(() => undefined);
  return deps.executor.run({
    job,
    runner: options.runner,
    connection,
    instance: {
      id: acquisition.instanceId,
      slot: acquisition.slot,
      os: info?.os ?? 'linux',
      arch: info?.arch ?? 'amd64',
    },
    concurrency: options.concurrency,
    trace,
    abortSignal,
    cancelSignal: trace.cancelRequested,
    gitlabUrl: options.gitlabUrl,
    cache: deps.cacheUrls?.(job),
    notes: acquired.notes,
    nowMs: () => deps.clock.now(),
    timings,
  });
}

function isSystemFailure(outcome: JobOutcome): boolean {
  return outcome.result === 'failed' && outcome.failureReason === 'runner_system_failure';
}

/** No capacity came: GitLab drops the unacknowledged job as runner_provisioning_timeout and retries it. */
async function closeExpired(trace: JobTrace, log: Logger): Promise<JobOutcome> {
  log.warn({}, 'no capacity for the job; leaving it to expire in gitlab so it is re-queued');
  await trace.discard();
  return {
    result: 'failed',
    failureReason: 'runner_system_failure',
    message: 'left to expire in GitLab',
  };
}

async function closeAborted(trace: JobTrace, log: Logger): Promise<JobOutcome> {
  log.info({}, 'job aborted by gitlab');
  await trace.discard();
  return { result: 'failed', failureReason: 'job_canceled', message: 'aborted by GitLab' };
}
