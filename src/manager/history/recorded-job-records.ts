/**
 * The recorded jobs as the planner's job records: one per job that ran, queued when GitLab
 * queued it (else when the runner received it), lasting its last run (the run that finished).
 * `report --csv` writes these; `report --config` replays them.
 */
import type { History, JobRecord } from '../../plan/history/job-record.js';
import type { RecordedJob } from '../../runner/job-recorder.js';

/** When the job became runnable: GitLab's queue time when it said, else when it was received. */
export function queuedAtOf(j: RecordedJob): number {
  return j.queuedAtMs ?? j.receivedAtMs;
}

/** Jobs that ran, oldest queued first. */
export function recordedJobRecords(jobs: readonly RecordedJob[]): JobRecord[] {
  return jobs
    .filter((j) => j.startedAtMs !== undefined)
    .sort((a, b) => queuedAtOf(a) - queuedAtOf(b))
    .map((j) => ({
      queuedAtMs: queuedAtOf(j),
      durationMs: j.finishedAtMs - (j.startedAtMs ?? j.finishedAtMs),
      tags: j.tags,
      project: j.project,
      name: j.name,
    }));
}

/**
 * A plan history of the recorded jobs; with a whole period (`--from` and `--to`) its span is
 * that period, else the planner derives it from the jobs.
 */
export function recordedPlanHistory(
  jobs: readonly RecordedJob[],
  period: { fromMs?: number; toMs?: number },
  source: string,
): History {
  const records = recordedJobRecords(jobs);
  const span =
    period.fromMs !== undefined && period.toMs !== undefined && period.toMs > period.fromMs
      ? { spanMs: period.toMs - period.fromMs, spanStartMs: period.fromMs }
      : {};
  return { jobs: records, source, skipped: jobs.length - records.length, ...span };
}
