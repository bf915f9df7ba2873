/** The readable plan report printed on stdout. */
import { formatDurationMs } from '../../platform/durations.js';
import type { HistoryRouting } from '../history/job-record.js';
import type { PlanResult } from '../replay/plan-result.js';
import {
  formatColumns,
  formatDate,
  formatDays,
  formatHours,
  formatInt,
  formatPercent,
  formatPricePerHour,
  formatSeconds,
  formatUsd,
} from './format.js';
import { projectPerMonth } from '../cost/projection.js';

/** What `--runner-tags` kept, in words. */
export function routingLine(r: HistoryRouting): string {
  const tags = r.tags.length > 0 ? `[${r.tags.join(', ')}]` : 'no tags';
  return (
    `jobs for a runner with ${tags} (untagged jobs ${r.runUntagged ? 'taken' : 'not taken'}); ` +
    `${formatInt(r.jobsForOtherRunners)} other job(s) left to other runners`
  );
}

function header(r: PlanResult): string[] {
  const s = r.settings;
  const h = r.history;
  const price = s.lifecycle === 'spot' ? r.price.spotPerHourUsd : r.price.onDemandPerHourUsd;
  return [
    `spotrunner plan: ${h.source}`,
    `  ${formatInt(r.jobs)} jobs over ${formatDays(h.spanMs)} (${formatDate(h.startMs)} to ${formatDate(h.startMs + h.spanMs)})` +
      (h.skipped > 0 ? `, ${formatInt(h.skipped)} skipped (never ran)` : ''),
    ...(h.routing ? [`  ${routingLine(h.routing)}`] : []),
    `  runner "${s.runner}": ${s.instanceType} ${s.lifecycle} in ${s.region} at ${formatPricePerHour(price)} ` +
      `(${r.price.vcpu} vCPU, ${r.price.memoryGiB} GiB, ${r.price.arch}; prices as of ${r.price.asOf})`,
    `  policy: capacity_per_instance ${s.capacityPerInstance}, max_instances ${s.maxInstances || 'provider max'}, ` +
      `idle_count ${s.idleCount}, idle_time ${formatDurationMs(s.idleTimeMs)}, ` +
      `${s.preemptiveMode ? 'preemptive' : 'non-preemptive'}, concurrent ${s.concurrent}${s.limit ? `, limit ${s.limit}` : ''}`,
  ];
}

function table(r: PlanResult): string[] {
  const span = r.history.spanMs;
  const month = (v: number): string => formatHours(projectPerMonth(v, span));
  const rows = [
    ['', 'history', 'per month (730 h)'],
    ['jobs', formatInt(r.jobs), formatInt(projectPerMonth(r.jobs, span))],
    ['job hours', formatHours(r.jobHours), month(r.jobHours)],
    ['VM-hours billed', formatHours(r.vmHours), month(r.vmHours)],
    ['busy VM-hours', formatHours(r.busyVmHours), month(r.busyVmHours)],
    ['idle ratio', formatPercent(r.idleRatio), ''],
    ['compute cost', formatUsd(r.costUsd), formatUsd(r.costPerMonthUsd)],
  ];
  for (const line of r.costByType.length > 1 ? r.costByType : []) {
    rows.push([
      `  ${line.instanceType} ${line.lifecycle}`,
      formatUsd(line.costUsd),
      formatUsd(line.costPerMonthUsd),
    ]);
  }
  const a = r.alwaysOn;
  rows.push([
    `always-on ${a.instances}× ${r.settings.instanceType}`,
    '',
    `${formatUsd(a.onDemandPerMonthUsd)} on-demand, ${formatUsd(a.spotPerMonthUsd)} spot`,
  ]);
  return formatColumns(rows, [false, true, true]).map((l) => `  ${l}`);
}

function service(r: PlanResult): string[] {
  const w = r.waitSeconds;
  const pct = r.jobs > 0 ? ` (${formatPercent(r.coldStarts / r.jobs)})` : '';
  return [
    `  queue wait    p50 ${formatSeconds(w.p50)}, p95 ${formatSeconds(w.p95)}, p99 ${formatSeconds(w.p99)}, max ${formatSeconds(w.max)}`,
    `  cold starts   ${formatInt(r.coldStarts)} of ${formatInt(r.jobs)} jobs${pct} waited for an instance to boot`,
    `  launches      ${formatInt(r.launches)}; spot interruptions ${formatInt(r.interruptions)}, jobs rerun ${formatInt(r.rerunJobs)}, jobs failed ${formatInt(r.failedJobs)}`,
    `  peaks         ${formatInt(r.peakInstances)} instances, ${formatInt(r.peakConcurrentJobs)} concurrent jobs, ${formatInt(r.peakQueuedJobs)} jobs waiting`,
  ];
}

export function formatTextReport(r: PlanResult): string {
  const lines = [
    ...header(r),
    '',
    ...table(r),
    '',
    ...service(r),
    '',
    'why this figure:',
    ...r.explanations.map((e) => `  - ${e}`),
    '',
    'assumptions:',
    ...r.assumptions.map((a) => `  - ${a}`),
  ];
  return `${lines.join('\n')}\n`;
}
