/**
 * The runner side of a replay, modelled on `runner/` without GitLab or an executor:
 * - a queued job is seen on the runner's next poll (a grid of check_interval);
 * - while fewer than min(concurrent, limit) jobs are held: `fleet.reserve()` (refused in
 *   preemptive mode without a ready idle slot, or when max_instances' slots are all claimed;
 *   then the runner asks again on its next poll), then `fleet.acquire()` (waits for a slot and
 *   drives scale-up), runs the job for its duration, `fleet.release()`;
 * - when the acquisition's signal aborts (spot termination notice or lost instance) the job is
 *   cut off, released as unhealthy, and run again from the start on another instance or failed,
 *   by the runner's own rule (runner/rescue-rule.ts).
 */
import type { Clock } from '../../platform/clock.js';
import type { Acquisition, Fleet } from '../../fleet/fleet.js';
import { decideRescue } from '../../runner/rescue-rule.js';
import type { JobRecord } from '../history/job-record.js';
import type { ReplayMetrics } from './replay-metrics.js';

export interface RunnerModelDeps {
  clock: Clock;
  fleet: Fleet;
  metrics: ReplayMetrics;
  /** When the engine first saw an instance running (for cold-start detection). */
  runningSince: ReadonlyMap<string, number>;
  /** Instances that exist now (for the time series). */
  instances: () => number;
}

export interface RunnerModelOptions {
  maxConcurrent: number;
  checkIntervalMs: number;
  interruptionMode: 'rerun' | 'fail';
  maxReruns: number;
  /** Listen for the engine cutting jobs off (off when nothing can interrupt). */
  watchInterruptions: boolean;
  /** Replay duration of job `i`, after CPU scaling. */
  runMs: (job: JobRecord) => number;
}

interface Held {
  index: number;
  key: string;
  reruns: number;
  avoid: string[];
  pickedAtMs: number;
  started: boolean;
  runStartMs: number;
}

/** Calls `fn` once when the engine aborts the acquisition; returns the unsubscribe. */
function watchAbort(acq: Acquisition, fn: () => void): () => void {
  if (acq.onAbort) return acq.onAbort(fn);
  const signal = acq.signal;
  if (signal.aborted) {
    queueMicrotask(fn);
    return () => undefined;
  }
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}

export class RunnerModel {
  readonly #d: RunnerModelDeps;
  readonly #o: RunnerModelOptions;
  readonly #jobs: readonly JobRecord[];
  readonly #queue: number[] = [];
  #head = 0;
  #held = 0;
  #cancelRetry: (() => void) | undefined;

  constructor(deps: RunnerModelDeps, options: RunnerModelOptions, jobs: readonly JobRecord[]) {
    this.#d = deps;
    this.#o = options;
    this.#jobs = jobs;
  }

  get done(): boolean {
    const m = this.#d.metrics;
    return m.finished + m.failed === this.#jobs.length;
  }

  /** Jobs `from`..`to`-1 are seen by the runner now. */
  see(from: number, to: number): void {
    for (let i = from; i < to; i++) this.#queue.push(i);
    this.#d.metrics.queue(to - from, this.#d.clock.now(), this.#d.instances());
    this.pump();
  }

  /** Requests jobs while the runner may hold more and the fleet grants reservations. */
  pump(): void {
    const { fleet, clock } = this.#d;
    while (this.#head < this.#queue.length && this.#held < this.#o.maxConcurrent) {
      const index = this.#queue[this.#head]!;
      const key = `j${index}`;
      if (!fleet.reserve(key).ok) {
        this.#retryOnNextPoll();
        return;
      }
      this.#head++;
      this.#held++;
      this.#acquire({
        index,
        key,
        reruns: 0,
        avoid: [],
        pickedAtMs: clock.now(),
        started: false,
        runStartMs: 0,
      });
    }
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #retryOnNextPoll(): void {
    if (this.#cancelRetry) return;
    const ci = this.#o.checkIntervalMs;
    const now = this.#d.clock.now();
    const next = (Math.floor(now / ci) + 1) * ci;
    this.#cancelRetry = this.#d.clock.schedule(next - now, () => {
      this.#cancelRetry = undefined;
      this.pump();
    });
  }

  #acquire(held: Held): void {
    this.#d.fleet
      .acquire(held.key, { jobId: held.index, ...(held.avoid.length ? { avoid: held.avoid } : {}) })
      .then(
        (acq) => this.#start(held, acq),
        () => this.#finish(held, false),
      );
  }

  #start(held: Held, acq: Acquisition): void {
    const { clock, metrics } = this.#d;
    const now = clock.now();
    const job = this.#jobs[held.index]!;
    if (!held.started) {
      held.started = true;
      metrics.waitsMs[held.index] = now - job.queuedAtMs;
      metrics.queued--;
      const ready = this.#d.runningSince.get(acq.instanceId);
      if (now > held.pickedAtMs && (ready === undefined || ready >= held.pickedAtMs)) {
        metrics.coldStarts++;
      }
    }
    held.runStartMs = now;
    metrics.start(acq.instanceId, now, this.#d.instances());
    const runMs = this.#o.runMs(job);
    let unsubscribe: (() => void) | undefined;
    const cancel = clock.schedule(runMs, () => {
      unsubscribe?.();
      metrics.jobMs += runMs;
      this.#d.fleet.release(held.key);
      metrics.stop(acq.instanceId, clock.now(), this.#d.instances());
      this.#finish(held, true);
    });
    if (this.#o.watchInterruptions) {
      unsubscribe = watchAbort(acq, () => {
        cancel();
        this.#interrupted(held, acq);
      });
    }
  }

  #interrupted(held: Held, acq: Acquisition): void {
    const { clock, metrics, fleet } = this.#d;
    metrics.interruptedJobs++;
    metrics.jobMs += clock.now() - held.runStartMs;
    fleet.release(held.key, { healthy: false });
    metrics.stop(acq.instanceId, clock.now(), this.#d.instances());
    const rescue = decideRescue(this.#o, held.reruns);
    if (rescue.action === 'fail') {
      this.#finish(held, false);
      return;
    }
    metrics.reruns++;
    held.reruns = rescue.rerun;
    held.avoid.push(acq.instanceId);
    held.key = `j${held.index}#rerun${held.reruns}`;
    this.#acquire(held);
  }

  #finish(held: Held, ok: boolean): void {
    const metrics = this.#d.metrics;
    if (ok) metrics.finished++;
    else {
      metrics.failed++;
      if (!held.started) metrics.queued--;
    }
    this.#held--;
    this.pump();
  }
}
