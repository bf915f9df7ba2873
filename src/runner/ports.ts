/**
 * What the runner loop needs besides the Fleet, RunnerApi and Executor ports: a trace per job,
 * a connection per acquisition, cache URLs per job. Built in app/ from the real adapters.
 */
import type { InstanceConnection } from '../connect/connection.js';
import type { Acquisition } from '../fleet/fleet.js';
import type { CacheUrls, JobOutcome, TraceSink } from '../executors/executor.js';
import type { JobPayload } from '../gitlab/job-payload.js';
import type { UpdateJobRequest } from '../gitlab/runner-api.js';

export interface JobTrace extends TraceSink {
  /** Aborted when GitLab says `Job-Status: canceling` (graceful cancel). */
  readonly cancelRequested: AbortSignal;
  /** Aborted when GitLab says the job is gone (`canceled`, `failed`, 403): stop at once. */
  readonly aborted: AbortSignal;
  /** Starts streaming the log to GitLab (once the job is accepted). */
  start(): void;
  /**
   * Flushes the log and delivers the final state; resolves once GitLab has it (or gave up).
   * `onFinalState` runs before the first PUT with the update as it will be sent.
   */
  finish(
    outcome: JobOutcome,
    options?: { onFinalState?: (update: UpdateJobRequest) => Promise<void> },
  ): Promise<FinalDelivery>;
  /** Stops background sending without a final state (job aborted upstream). */
  discard(): Promise<void>;
}

/**
 * How delivering the final state ended: `delivered`, `aborted` (not ours any more), `skipped`,
 * or `gave-up` — `retryable` when GitLab never answered, so a later start may still deliver it.
 */
export interface FinalDelivery {
  kind: string;
  retryable?: boolean;
}

export type JobTraceFactory = (job: JobPayload) => JobTrace;

export interface ConnectionSource {
  get(acquisition: Acquisition, signal?: AbortSignal): Promise<InstanceConnection>;
  /** Drops a connection that misbehaved so the next job dials afresh. */
  invalidate(instanceId: string): void;
}

export type CacheUrlsFactory = (job: JobPayload) => CacheUrls | undefined;

/** A shared counter for the global `concurrent` limit across runners. */
export interface ConcurrencyGate {
  tryTake(): boolean;
  give(): void;
  readonly inUse: number;
  readonly limit: number;
}

export function createConcurrencyGate(limit: number): ConcurrencyGate {
  let inUse = 0;
  return {
    tryTake(): boolean {
      if (limit > 0 && inUse >= limit) return false;
      inUse++;
      return true;
    },
    give(): void {
      inUse = Math.max(0, inUse - 1);
    },
    get inUse(): number {
      return inUse;
    },
    limit,
  };
}
