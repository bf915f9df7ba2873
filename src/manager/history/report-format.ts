/** `spotrunner report` output: the text summary, and the recorded jobs as the planner's CSV. */
import { formatHistoryCsv } from '../../plan/history/write-history-csv.js';
import type { RecordedJob } from '../../runner/job-recorder.js';
import type { HistoryReport } from './history-report.js';
import { queuedAtOf, recordedJobRecords } from './recorded-job-records.js';

/**
 * Jobs that ran, as `spotrunner plan --history` reads them (queued_at,duration_s,tags,project,
 * name), with the report's `cost_usd` of each job as a last column (the planner ignores it).
 */
export function recordedJobsCsv(jobs: readonly RecordedJob[], report?: HistoryReport): string {
  const ran = jobs
    .filter((j) => j.startedAtMs !== undefined)
    .sort((a, b) => queuedAtOf(a) - queuedAtOf(b));
  const lines = [...formatHistoryCsv(recordedJobRecords(ran), { withName: true })];
  if (!report) return lines.join('');
  const cost = new Map(report.byJob.map((l) => [`${l.runner}/${l.jobId}`, l.costUsd]));
  const column = ['cost_usd', ...ran.map((j) => String(cost.get(`${j.runner}/${j.jobId}`) ?? 0))];
  // Numbers need no quoting: each line gets the field before its newline.
  return lines.map((line, i) => `${line.slice(0, -1)},${column[i]}\n`).join('');
}

const iso = (ms: number): string => new Date(ms).toISOString();
const h = (n: number): string => n.toFixed(2);
const usd = (n: number): string => `$${n.toFixed(4)}`;

export function formatReport(r: HistoryReport): string {
  const period = `${r.fromMs !== undefined ? iso(r.fromMs) : 'start'} .. ${r.toMs !== undefined ? iso(r.toMs) : 'end'}`;
  const lines = [
    `Period ${period}; prices ${r.region}, ${r.prices.asOf}`,
    `Instances ${r.instances}: billed ${h(r.hours.billed)} h = boot ${h(r.hours.boot)} + busy ${h(r.hours.busy)} + idle ${h(r.hours.idle)} h (idle ratio ${(r.idleRatio * 100).toFixed(1)}%)`,
    `Cost ${usd(r.costUsd)}${r.unpricedHours > 0 ? ` (+ ${h(r.unpricedHours)} h on types without a price)` : ''}`,
    '',
    'By instance type:',
    ...r.byType.map(
      (t) =>
        `  ${t.instanceType} ${t.lifecycle}: ${t.instances} instance(s), ${h(t.billed)} h, ${t.pricePerHourUsd !== undefined ? usd(t.costUsd) : 'unpriced'}`,
    ),
    '',
    `Jobs ${r.jobs.count} (${Object.entries(r.jobs.byResult)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}); reruns ${r.jobs.reruns}, interruptions ${r.jobs.interruptions}`,
    'By project (instance cost incl. boot and idle, split by run time):',
    ...r.byProject.map(
      (p) => `  ${p.project}: ${p.jobs} job(s), ${h(p.runHours)} h run, ${usd(p.costUsd)}`,
    ),
  ];
  return lines.join('\n');
}
