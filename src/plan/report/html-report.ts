/**
 * `--html FILE`: one self-contained page (inline CSS and SVG, no scripts, no external assets)
 * with the summary table, fleet size and queue length over time, explanations, assumptions,
 * and the sweep (table and cost-vs-wait scatter) when there is one.
 */
import { formatDurationMs } from '../../platform/durations.js';
import type { PlanResult } from '../replay/plan-result.js';
import type { SweepResult } from '../sweep/run-sweep.js';
import { projectPerMonth } from '../cost/projection.js';
import {
  formatDate,
  formatDays,
  formatHours,
  formatInt,
  formatPercent,
  formatPricePerHour,
  formatSeconds,
  formatUsd,
} from './format.js';
import { escapeHtml as e, renderFleetChart, renderSweepChart } from './svg-chart.js';
import { routingLine } from './text-report.js';

/** The report pages' stylesheet (plan's and `spotrunner report`'s). */
export const REPORT_CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;color:#222;padding:0 1rem}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}
.sub{color:#555;margin:.1rem 0}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.25rem .7rem;border-bottom:1px solid #eee;text-align:right}
td:first-child,th:first-child{text-align:left}th{background:#f6f6f6}
.big{font-size:1.6rem;font-weight:600}.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #ddd;border-radius:6px;padding:.6rem .9rem;min-width:170px}
.card small{color:#666;display:block}
svg.chart{width:100%;height:auto;font-size:11px;fill:#444}
.legend .k{display:inline-block;width:12px;height:12px;margin:0 .3rem 0 .9rem;vertical-align:-1px}
.k.inst{background:#cfe3f7;border:1px solid #4a90d9}.k.run{background:#1f4e8c}.k.queue{background:#e07b00}
tr.rec td{background:#eaf7ec;font-weight:600}ul{padding-left:1.2rem}li{margin:.2rem 0}
`;

/** A headline figure: label, value, a note under it. */
export function renderCard(label: string, value: string, note: string): string {
  return `<div class="card"><small>${e(label)}</small><div class="big">${e(value)}</div><small>${e(note)}</small></div>`;
}

/** A table of text cells (escaped), the first row as its head. */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  return [
    `<table><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr>`,
    ...rows.map((r) => `<tr>${r.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`),
    '</table>',
  ].join('\n');
}

function summaryTable(r: PlanResult): string {
  const span = r.history.spanMs;
  const row = (k: string, a: string, b: string): string =>
    `<tr><td>${e(k)}</td><td>${e(a)}</td><td>${e(b)}</td></tr>`;
  const m = (v: number): string => formatHours(projectPerMonth(v, span));
  return [
    '<table><tr><th></th><th>history</th><th>per month (730 h)</th></tr>',
    row('jobs', formatInt(r.jobs), formatInt(projectPerMonth(r.jobs, span))),
    row('job hours', formatHours(r.jobHours), m(r.jobHours)),
    row('VM-hours billed', formatHours(r.vmHours), m(r.vmHours)),
    row('busy VM-hours', formatHours(r.busyVmHours), m(r.busyVmHours)),
    row('idle ratio', formatPercent(r.idleRatio), ''),
    row('compute cost', formatUsd(r.costUsd), formatUsd(r.costPerMonthUsd)),
    row(
      `always-on ${r.alwaysOn.instances}× on-demand`,
      '',
      formatUsd(r.alwaysOn.onDemandPerMonthUsd),
    ),
    row(`always-on ${r.alwaysOn.instances}× spot`, '', formatUsd(r.alwaysOn.spotPerMonthUsd)),
    row(
      'queue wait p50 / p95 / p99 / max',
      '',
      [r.waitSeconds.p50, r.waitSeconds.p95, r.waitSeconds.p99, r.waitSeconds.max]
        .map(formatSeconds)
        .join(' / '),
    ),
    row('cold starts', formatInt(r.coldStarts), formatPercent(r.jobs ? r.coldStarts / r.jobs : 0)),
    row(
      'launches / spot interruptions / reruns / failed',
      [r.launches, r.interruptions, r.rerunJobs, r.failedJobs].map(formatInt).join(' / '),
      '',
    ),
    row(
      'peak instances / concurrent jobs / waiting jobs',
      [r.peakInstances, r.peakConcurrentJobs, r.peakQueuedJobs].map(formatInt).join(' / '),
      '',
    ),
    '</table>',
  ].join('\n');
}

/** The sweep: recommendation, cost-against-wait chart, and the table (recommended row marked). */
export function renderSweepSection(s: SweepResult): string {
  const head = [
    ...s.dimensions,
    '$/month',
    'p95 wait',
    'p99 wait',
    'cold starts',
    'idle',
    'Pareto',
  ];
  const rows = s.rows.map((r, i) => {
    const cells = [
      ...s.dimensions.map((d) => r.values[d] ?? ''),
      formatUsd(r.costPerMonthUsd),
      formatSeconds(r.p95WaitSeconds),
      formatSeconds(r.result.waitSeconds.p99),
      formatInt(r.result.coldStarts),
      formatPercent(r.result.idleRatio),
      r.pareto ? '●' : '',
    ];
    return `<tr${i === s.recommendation.index ? ' class="rec"' : ''}>${cells.map((c) => `<td>${e(c)}</td>`).join('')}</tr>`;
  });
  const points = s.rows.map((r, i) => ({
    label: r.label,
    costPerMonthUsd: r.costPerMonthUsd,
    p95WaitSeconds: r.p95WaitSeconds,
    pareto: r.pareto,
    recommended: i === s.recommendation.index,
  }));
  return [
    '<h2>Sweep: cost against queue wait</h2>',
    `<p><strong>Recommendation</strong> (p95 wait ≤ ${e(formatSeconds(s.waitTargetSeconds))}): ${e(s.recommendation.reason)}</p>`,
    renderSweepChart(points),
    `<table><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr>`,
    ...rows,
    '</table>',
  ].join('\n');
}

export interface HtmlReportInput {
  plan: PlanResult;
  sweep?: SweepResult;
  /** ISO time the report was made (from the caller's clock). */
  generatedAt?: string;
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const r = input.plan;
  const s = r.settings;
  const price = s.lifecycle === 'spot' ? r.price.spotPerHourUsd : r.price.onDemandPerHourUsd;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>spotrunner plan: ${e(r.history.source)}</title><style>${REPORT_CSS}</style></head><body>
<h1>spotrunner plan</h1>
<p class="sub">${e(formatInt(r.jobs))} jobs over ${e(formatDays(r.history.spanMs))} (${e(formatDate(r.history.startMs))} to ${e(formatDate(r.history.startMs + r.history.spanMs))}) from ${e(r.history.source)}${r.history.routing ? `; ${e(routingLine(r.history.routing))}` : ''}</p>
<p class="sub">runner “${e(s.runner)}”: ${e(s.instanceType)} ${e(s.lifecycle)} in ${e(s.region)} at ${e(formatPricePerHour(price))}; capacity_per_instance ${s.capacityPerInstance}, max_instances ${s.maxInstances || 'provider max'}, idle_count ${s.idleCount}, idle_time ${e(formatDurationMs(s.idleTimeMs))}</p>
<div class="cards">
${renderCard('compute per month', formatUsd(r.costPerMonthUsd), `${formatHours(r.vmHoursPerMonth)} VM-hours`)}
${renderCard('always-on per month', formatUsd(r.alwaysOnCostPerMonthUsd), `${r.alwaysOn.instances}× ${s.instanceType} ${s.lifecycle}`)}
${renderCard('p95 queue wait', formatSeconds(r.waitSeconds.p95), `p50 ${formatSeconds(r.waitSeconds.p50)}`)}
${renderCard('idle ratio', formatPercent(r.idleRatio), `${formatInt(r.coldStarts)} cold starts`)}
</div>
<h2>Fleet size and queue length</h2>
${renderFleetChart(r.series)}
<h2>Summary</h2>
${summaryTable(r)}
<h2>Why this figure</h2>
<ul>${r.explanations.map((x) => `<li>${e(x)}</li>`).join('')}</ul>
${input.sweep ? renderSweepSection(input.sweep) : ''}
<h2>Assumptions</h2>
<ul>${r.assumptions.map((x) => `<li>${e(x)}</li>`).join('')}</ul>
<p class="sub"><small>Generated by spotrunner plan${input.generatedAt ? ` at ${e(input.generatedAt)}` : ''}; prices as of ${e(r.price.asOf)}.</small></p>
</body></html>
`;
}
