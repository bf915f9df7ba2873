/** Recorded jobs and instances for history tests, and a history directory written with them. */
import type { RecordedJob } from '../../../runner/job-recorder.js';
import { HOUR_MS, T0 } from '../../../runner/testing/recorded-job.js';
import { openHistoryLog } from '../history-log.js';
import type { RecordedInstance } from '../instance-tracker.js';

/** An instance `i-1` of runner `spot` and nothing more: launched at 0, no time billed, no jobs. */
export function bareRecordedInstance(over: Partial<RecordedInstance> = {}): RecordedInstance {
  return {
    kind: 'instance',
    runner: 'spot',
    instanceId: 'i-1',
    launchedAtMs: 0,
    billedS: 0,
    bootS: 0,
    busyS: 0,
    idleS: 0,
    interrupted: false,
    jobs: 0,
    ...over,
  };
}

/** A t4g.medium spot instance of runner `spot`: 2 h billed from T0, 0.1 h boot, 1.5 h busy. */
export function recordedInstance(over: Partial<RecordedInstance> = {}): RecordedInstance {
  return bareRecordedInstance({
    instanceType: 't4g.medium',
    lifecycle: 'spot',
    launchedAtMs: T0,
    readyAtMs: T0 + 0.1 * HOUR_MS,
    removedAtMs: T0 + 2 * HOUR_MS,
    billedS: 7200,
    bootS: 360,
    busyS: 5400,
    idleS: 1440,
    jobs: 2,
    ...over,
  });
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
