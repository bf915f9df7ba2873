/** Accumulators filled while a replay runs: waits, busy instance time, peaks, the time series. */
import type { SeriesPoint } from './plan-result.js';

export class ReplayMetrics {
  readonly waitsMs: Float64Array;
  coldStarts = 0;
  finished = 0;
  failed = 0;
  interruptedJobs = 0;
  reruns = 0;
  jobMs = 0;
  running = 0;
  queued = 0;
  peakRunning = 0;
  peakQueued = 0;
  peakInstances = 0;
  busyMs = 0;
  readonly #busy = new Map<string, { inUse: number; sinceMs: number }>();
  readonly #startMs: number;
  readonly #bucketMs: number;
  readonly #series: SeriesPoint[] = [];

  constructor(jobs: number, startMs: number, bucketMs: number) {
    this.waitsMs = new Float64Array(jobs).fill(Number.NaN);
    this.#startMs = startMs;
    this.#bucketMs = bucketMs;
  }

  /** A job entered the runner's view (queued in GitLab, seen by the runner). */
  queue(n: number, nowMs: number, instances: number): void {
    this.queued += n;
    if (this.queued > this.peakQueued) this.peakQueued = this.queued;
    this.sample(nowMs, instances);
  }

  /** A job started on `instanceId`; `waitMs` is counted for its first attempt only. */
  start(instanceId: string, nowMs: number, instances: number): void {
    this.running++;
    if (this.running > this.peakRunning) this.peakRunning = this.running;
    const b = this.#busy.get(instanceId);
    if (!b) this.#busy.set(instanceId, { inUse: 1, sinceMs: nowMs });
    else if (b.inUse++ === 0) b.sinceMs = nowMs;
    this.sample(nowMs, instances);
  }

  /** A job left `instanceId` (finished or interrupted). */
  stop(instanceId: string, nowMs: number, instances: number): void {
    this.running--;
    const b = this.#busy.get(instanceId);
    if (b && --b.inUse === 0) {
      this.busyMs += nowMs - b.sinceMs;
      this.#busy.delete(instanceId);
    }
    this.sample(nowMs, instances);
  }

  /** Folds the current counts into the series bucket of `nowMs` (maximum over the bucket). */
  sample(nowMs: number, instances: number): void {
    if (instances > this.peakInstances) this.peakInstances = instances;
    const i = Math.max(0, Math.floor((nowMs - this.#startMs) / this.#bucketMs));
    const series = this.#series;
    while (series.length <= i) {
      series.push({
        atMs: this.#startMs + series.length * this.#bucketMs,
        instances,
        runningJobs: this.running,
        queuedJobs: this.queued,
      });
    }
    const p = series[i]!;
    if (instances > p.instances) p.instances = instances;
    if (this.running > p.runningJobs) p.runningJobs = this.running;
    if (this.queued > p.queuedJobs) p.queuedJobs = this.queued;
  }

  series(): SeriesPoint[] {
    return this.#series;
  }
}
