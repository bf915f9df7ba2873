/** Recorded jobs and instances for history tests, and a history directory written with them. */
import type { RecordedJob } from '../../../runner/job-recorder.js';
import { openHistoryLog } from '../history-log.js';
import type { RecordedInstance } from '../instance-tracker.js';

export const T0 = Date.UTC(2026, 10, 2, 9);
export const HOUR_MS = 3_600_000;

/** A t4g.medium spot instance of runner `spot`: 2 h billed from T0, 0.1 h boot, 1.5 h busy. */
export function recordedInstance(over: Partial<RecordedInstance> = {}): RecordedInstance {
  return {
    kind: 'instance',
    runner: 'spot',
    instanceId: 'i-1',
    instanceType: 't4g.medium',
    lifecycle: 'spot',
    launchedAtMs: T0,
    readyAtMs: T0 + 0.1 * HOUR_MS,
    removedAtMs: T0 + 2 * HOUR_MS,
    billedS: 7200,
    bootS: 360,
    busyS: 5400,
    idleS: 1440,
    interrupted: false,
    jobs: 2,
    ...over,
  };
}

/** A job of runner `spot` that ran 1 h on i-1 (one run unless `runs` is given). */
export function recordedJob(over: Partial<RecordedJob> = {}): RecordedJob {
  const j: Omit<RecordedJob, 'runs'> = {
    kind: 'job',
    jobId: 1,
    runner: 'spot',
    name: 'build',
    project: 'g/app',
    tags: ['arm'],
    queuedAtMs: T0 - 60_000,
    receivedAtMs: T0,
    startedAtMs: T0 + 0.1 * HOUR_MS,
    finishedAtMs: T0 + 1.1 * HOUR_MS,
    instanceId: 'i-1',
    reruns: 0,
    interruptions: 0,
    result: 'success',
    ...over,
  };
  const last =
    j.instanceId && j.startedAtMs !== undefined
      ? [{ instanceId: j.instanceId, startedAtMs: j.startedAtMs, endedAtMs: j.finishedAtMs }]
      : [];
  return { ...j, runs: over.runs ?? last };
}

/** Writes the records to `dir` through the manager's own history log. */
export function writeRecordedHistory(
  dir: string,
  records: ReadonlyArray<RecordedJob | RecordedInstance>,
  options: { maxBytes?: number; keep?: number } = {},
): void {
  const log = openHistoryLog({ dir, ...options });
  for (const r of records) log.append(r);
}
