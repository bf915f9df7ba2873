/**
 * The recorded fleet over time, in the planner's series shape (so plan's fleet chart draws it):
 * instances launched and not yet removed, jobs running, jobs waiting (queued, not yet started),
 * each the maximum within a bucket of whole minutes (at most `maxPoints` buckets).
 */
import type { SeriesPoint } from '../../plan/replay/plan-result.js';
import type { RecordedJob } from '../../runner/job-recorder.js';
import type { RecordedInstance } from './instance-tracker.js';
import { queuedAtOf } from './recorded-job-records.js';

type Track = 'instances' | 'runningJobs' | 'queuedJobs';

interface Step {
  atMs: number;
  track: Track;
  delta: 1 | -1;
}

const MINUTE_MS = 60_000;

function stepsOf(jobs: readonly RecordedJob[], instances: readonly RecordedInstance[]): Step[] {
  const steps: Step[] = [];
  const span = (track: Track, fromMs: number, toMs: number | undefined): void => {
    steps.push({ atMs: fromMs, track, delta: 1 });
    if (toMs !== undefined) steps.push({ atMs: Math.max(fromMs, toMs), track, delta: -1 });
  };
  for (const i of instances) span('instances', i.launchedAtMs, i.removedAtMs);
  for (const j of jobs) {
    const runs = Array.isArray(j.runs) ? j.runs : [];
    const firstStart = runs[0]?.startedAtMs ?? j.startedAtMs ?? j.finishedAtMs;
    span('queuedJobs', queuedAtOf(j), firstStart);
    for (const r of runs) span('runningJobs', r.startedAtMs, r.endedAtMs);
  }
  // Ends before starts at the same moment: a job handed from one run to the next is no peak.
  return steps.sort((a, b) => a.atMs - b.atMs || a.delta - b.delta);
}

export function realizedSeries(
  jobs: readonly RecordedJob[],
  instances: readonly RecordedInstance[],
  maxPoints = 400,
): SeriesPoint[] {
  const steps = stepsOf(jobs, instances);
  if (steps.length === 0) return [];
  const startMs = Math.floor(steps[0]!.atMs / MINUTE_MS) * MINUTE_MS;
  const endMs = steps[steps.length - 1]!.atMs + 1;
  const bucketMs = Math.max(1, Math.ceil((endMs - startMs) / maxPoints / MINUTE_MS)) * MINUTE_MS;
  const now: Record<Track, number> = { instances: 0, runningJobs: 0, queuedJobs: 0 };
  const points: SeriesPoint[] = [];
  let k = 0;
  for (let atMs = startMs; atMs < endMs; atMs += bucketMs) {
    const point: SeriesPoint = { atMs, ...now };
    while (k < steps.length && steps[k]!.atMs < atMs + bucketMs) {
      const step = steps[k++]!;
      now[step.track] += step.delta;
      point[step.track] = Math.max(point[step.track], now[step.track]);
    }
    points.push(point);
  }
  return points;
}
