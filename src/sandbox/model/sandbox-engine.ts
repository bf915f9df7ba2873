/**
 * Job state machine of the sandbox: assignment (with two-phase commit), acceptance, touches,
 * completion, server-side drops, cancellation and auto-retry; pipeline processing after each
 * change; queue ticks for runners when jobs become pending.
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { SandboxSettings } from '../sandbox-options.js';
import { allowedRetries, normalizeFailureReason } from './failure-reasons.js';
import { newJobRecord } from './job-factory.js';
import { JobTimers } from './job-timers.js';
import { effectiveAllowFailure } from './composite-status.js';
import { latestJobs, processPipeline } from './pipeline-processor.js';
import {
  isFinished,
  type FinalState,
  type JobRecord,
  type JobStatus,
  type RunnerRecord,
} from './records.js';
import type { RunnerQueue } from './runner-queue.js';
import type { SandboxStore } from './sandbox-store.js';
import { STUCK_DROP_REASON, stuckWhenIdle } from './stuck-jobs.js';

export interface EngineDeps {
  clock: Clock;
  logger: Logger;
  store: SandboxStore;
  queue: RunnerQueue;
  settings: SandboxSettings;
}

export class SandboxEngine {
  readonly #deps: EngineDeps;
  readonly #timers: JobTimers;
  readonly #listeners = new Set<() => void>();
  /** Set while a pipeline is canceled job by job, so that none of them is processed half-way. */
  #holdProcessing = false;

  constructor(deps: EngineDeps) {
    this.#deps = deps;
    this.#timers = new JobTimers(deps.clock);
  }

  /** Calls `fn` after every state change; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  stop(): void {
    this.#timers.clearAll();
  }

  #now(): number {
    return this.#deps.clock.now();
  }

  #emit(): void {
    for (const fn of [...this.#listeners]) fn();
  }

  /** Advances a pipeline and ticks runner queues for jobs that became pending. */
  process(pipelineId: number): void {
    if (this.#holdProcessing) return;
    const { store, queue } = this.#deps;
    const pipeline = store.pipelines.get(pipelineId);
    if (!pipeline) return;
    const { pending } = processPipeline(pipeline, store.pipelineJobs(pipelineId), this.#now());
    for (const job of pending) queue.tickFor(job, store.runners.values());
    if (this.#dropStuck(pipelineId)) return;
    this.#emit();
  }

  /**
   * With `dropStuckJobs`: once nothing else in the pipeline can run, its stuck pending jobs fail
   * as `stuck_pending_no_matching_runners` (GitLab would keep them pending for an hour first).
   * Returns true when it dropped some (and processed the pipeline again).
   */
  #dropStuck(pipelineId: number): boolean {
    const { store, settings, logger } = this.#deps;
    if (!settings.dropStuckJobs) return false;
    const stuck = stuckWhenIdle(store.pipelineJobs(pipelineId), [...store.runners.values()]);
    if (stuck.length === 0) return false;
    for (const { job, message } of stuck) {
      if (job.status !== 'pending') continue; // canceled by an earlier one (auto_cancel)
      logger.info({ jobId: job.id, tags: job.spec.tags }, 'stuck job dropped');
      job.stuckMessage = message;
      this.#settle(job, 'failed', STUCK_DROP_REASON);
    }
    this.process(pipelineId);
    return true;
  }

  /** Hands a pending job to a runner (protocol §2.2 step 4, §2.6). */
  assign(
    job: JobRecord,
    runner: RunnerRecord,
    systemId: string,
    features: Record<string, unknown>,
  ): void {
    const project = this.#deps.store.projects.get(job.projectId);
    job.runnerId = runner.id;
    job.systemId = systemId;
    job.cancelGracefully = features.cancel_gracefully === true;
    job.twoPhase = this.#deps.settings.twoPhaseCommit && features.two_phase_job_commit === true;
    const jobTimeoutS =
      job.spec.timeoutS ?? project?.timeoutS ?? this.#deps.settings.projectTimeoutS;
    job.timeoutS = Math.min(jobTimeoutS, runner.maximumTimeoutS ?? Number.POSITIVE_INFINITY);
    job.updatedAtMs = this.#now();
    if (!job.twoPhase) {
      this.#start(job);
      return;
    }
    job.awaitingAck = true;
    this.keepAlive(job);
    this.#emit();
  }

  /** Two-phase keep-alive: refreshes the acknowledgement window. */
  keepAlive(job: JobRecord): void {
    job.updatedAtMs = this.#now();
    this.#timers.set(job.id, 'ack', this.#deps.settings.ackTimeoutMs, () => {
      if (job.awaitingAck && job.status === 'pending')
        this.drop(job, 'runner_provisioning_timeout');
    });
  }

  /** Two-phase acceptance (`state=running`). */
  accept(job: JobRecord): void {
    job.awaitingAck = false;
    this.#timers.clear(job.id, 'ack');
    this.#start(job);
  }

  #start(job: JobRecord): void {
    const now = this.#now();
    job.status = 'running';
    job.startedAtMs = now;
    const limitMs =
      (job.timeoutS ?? this.#deps.settings.projectTimeoutS) * 1000 +
      this.#deps.settings.timeoutGraceMs;
    this.#timers.set(job.id, 'timeout', limitMs, () => {
      if (job.status === 'running') this.drop(job, 'server_timeout_running');
      else if (job.status === 'canceling') this.drop(job, 'server_timeout_canceling');
    });
    this.touch(job);
    this.process(job.pipelineId);
  }

  /** Any runner update on an executing job: refreshes `updated_at` and the stuck timer. */
  touch(job: JobRecord): void {
    job.updatedAtMs = this.#now();
    const stuckMs = this.#deps.settings.stuckTimeoutMs;
    if (stuckMs <= 0) return;
    this.#timers.set(job.id, 'stuck', stuckMs, () => {
      if (job.status === 'running') this.drop(job, 'no_updates_running');
      else if (job.status === 'canceling') this.drop(job, 'no_updates_canceling');
    });
  }

  /** The runner's final state. A `canceling` job always ends `canceled`. */
  finish(job: JobRecord, final: FinalState): void {
    if (final.exitCode !== undefined)
      job.exitCode = Math.min(Math.max(0, Math.trunc(final.exitCode)), 32767);
    if (job.status === 'canceling') {
      this.#complete(job, 'canceled');
      return;
    }
    if (final.state === 'success') this.#complete(job, 'success');
    else this.#complete(job, 'failed', normalizeFailureReason(final.failureReason));
  }

  /** Server-side failure (ack expiry, timeout, stuck, unsupported, trace too big). */
  drop(job: JobRecord, reason: string): void {
    this.#deps.logger.info({ jobId: job.id, reason }, 'job dropped');
    this.#complete(job, 'failed', reason);
  }

  /** Cancels a job: graceful `canceling` when the runner declared it, unless forced. */
  cancel(job: JobRecord, force = false): boolean {
    switch (job.status) {
      case 'created':
      case 'pending':
      case 'canceling':
        this.#complete(job, 'canceled');
        return true;
      case 'running':
        if (job.cancelGracefully && !force) {
          job.status = 'canceling';
          job.updatedAtMs = this.#now();
          this.process(job.pipelineId);
        } else {
          this.#complete(job, 'canceled');
        }
        return true;
      case 'success':
      case 'failed':
      case 'canceled':
      case 'skipped':
        return false;
    }
  }

  #complete(job: JobRecord, status: JobStatus, reason?: string): void {
    this.#settle(job, status, reason);
    this.process(job.pipelineId);
  }

  /** Final state of a job, and its retry clone when `retry` allows one; no processing. */
  #settle(job: JobRecord, status: JobStatus, reason?: string): void {
    job.status = status;
    job.awaitingAck = false;
    job.finishedAtMs = this.#now();
    job.updatedAtMs = job.finishedAtMs;
    job.pendingFinal = undefined;
    job.pendingFinalAtMs = undefined;
    this.#timers.clear(job.id);
    if (status === 'failed') {
      job.failureReason = reason ?? 'unknown_failure';
      if (!this.#maybeRetry(job)) this.#autoCancelOnFailure(job);
    }
  }

  /**
   * `workflow:auto_cancel:on_job_failure: all`: a failed job that may not fail (and is not
   * retried) cancels every unfinished job of its pipeline (Ci::Processable, after `failed`).
   */
  #autoCancelOnFailure(job: JobRecord): void {
    const { store, logger } = this.#deps;
    const pipeline = store.pipelines.get(job.pipelineId);
    if (pipeline?.autoCancelOnJobFailure !== 'all' || effectiveAllowFailure(job)) return;
    const open = latestJobs(store.pipelineJobs(job.pipelineId)).filter(
      (j) => j.id !== job.id && !isFinished(j.status),
    );
    if (open.length === 0) return;
    logger.info(
      { jobId: job.id, pipelineId: pipeline.id, jobs: open.length },
      'pipeline auto-canceled on job failure',
    );
    // All at once, as Ci::CancelPipelineService: no job may be skipped or started in between.
    this.#holdProcessing = true;
    try {
      for (const other of open) {
        if (this.cancel(other))
          other.notes.push(`canceled: job ${job.name} failed (auto_cancel:on_job_failure all)`);
      }
    } finally {
      this.#holdProcessing = false;
    }
  }

  /** Creates the retry clone when the job may be retried; whether it did. */
  #maybeRetry(job: JobRecord): boolean {
    const { store, settings } = this.#deps;
    const attempts = store.pipelineJobs(job.pipelineId).filter((j) => j.name === job.name).length;
    const allowed = allowedRetries(
      job.spec.retry,
      job.failureReason ?? 'unknown_failure',
      job.exitCode,
    );
    if (attempts - 1 >= allowed) return false;
    const clone = newJobRecord({
      id: store.nextId('job'),
      pipelineId: job.pipelineId,
      projectId: job.projectId,
      spec: job.spec,
      stageIndex: job.stageIndex,
      nowMs: this.#now(),
      traceSecrets: [settings.registrationToken],
    });
    clone.retryOf = job.id;
    job.retried = true;
    store.addJob(clone);
    this.#deps.logger.info(
      { jobId: job.id, retryJobId: clone.id, attempt: attempts + 1 },
      'job retried',
    );
    return true;
  }
}
