/** Recorded jobs for tests of what reads them (history, dashboard, reports, metrics). */
import type { RecordedJob } from '../job-recorder.js';

export const T0 = Date.UTC(2026, 10, 2, 9);
export const HOUR_MS = 3_600_000;

/** A successful job `build` of runner `spot` and nothing more: times 0, no instance, no runs. */
export function bareRecordedJob(over: Partial<RecordedJob> = {}): RecordedJob {
  return {
    kind: 'job',
    jobId: 1,
    runner: 'spot',
    name: 'build',
    project: 'g/app',
    tags: [],
    receivedAtMs: 0,
    finishedAtMs: 0,
    runs: [],
    reruns: 0,
    interruptions: 0,
    result: 'success',
    ...over,
  };
}

/** A job of runner `spot` that ran 1 h on i-1 from T0 + 0.1 h (one run unless `runs` is given). */
export function recordedJob(over: Partial<RecordedJob> = {}): RecordedJob {
  const j = bareRecordedJob({
    tags: ['arm'],
    queuedAtMs: T0 - 60_000,
    receivedAtMs: T0,
    startedAtMs: T0 + 0.1 * HOUR_MS,
    finishedAtMs: T0 + 1.1 * HOUR_MS,
    instanceId: 'i-1',
    ...over,
  });
  const last =
    j.instanceId && j.startedAtMs !== undefined
      ? [{ instanceId: j.instanceId, startedAtMs: j.startedAtMs, endedAtMs: j.finishedAtMs }]
      : [];
  return { ...j, runs: over.runs ?? last };
}
