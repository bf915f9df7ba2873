/**
 * `report --html FILE`: one self-contained page (plan's stylesheet, cards, tables and inline SVG
 * charts; no scripts, no external assets) with the realized hours and cost by instance type and
 * project and the recorded fleet over time; with `--config` the replay beside it, with `--sweep`
 * the sweep and its advice. Every text is escaped.
 */
import type { SeriesPoint } from '../../plan/replay/plan-result.js';
import type { PlanResult } from '../../plan/replay/plan-result.js';
import type { SweepResult } from '../../plan/sweep/run-sweep.js';
import {
  REPORT_CSS,
  renderCard,
  renderSweepSection,
  renderTable,
} from '../../plan/report/html-report.js';
import { formatPercent, formatPricePerHour } from '../../plan/report/format.js';
import { escapeHtml as e, renderFleetChart } from '../../plan/report/svg-chart.js';
import type { HistoryReport } from './history-report.js';
import type { MoneySplit, MoneySummary } from './money.js';
import {
  comparisonRows,
  describeReplaySettings,
  formatSweepAdvice,
} from './replay-comparison-format.js';
import type { ReplayComparison } from './replay-comparison.js';
import type { SweepAdvice } from './sweep-advice.js';

export interface HistoryHtmlInput {
  report: HistoryReport;
  /** The money section (money.ts): today, month to date, projection, savings. */
  money?: MoneySummary;
  /** The recorded fleet over time (realized-series.ts). */
  series: readonly SeriesPoint[];
  comparison?: ReplayComparison;
  plan?: PlanResult;
  sweep?: SweepResult;
  advice?: SweepAdvice;
  /** ISO time the page was made (the caller's clock). */
  generatedAt?: string;
}

const h2 = (n: number): string => n.toFixed(2);
const usd = (n: number): string => `$${n.toFixed(4)}`;
const iso = (ms: number | undefined, or: string): string =>
  ms === undefined ? or : new Date(ms).toISOString();

function realizedSection(r: HistoryReport, series: readonly SeriesPoint[]): string {
  const types = r.byType.map((t) => [
    t.instanceType,
    t.lifecycle,
    String(t.instances),
    h2(t.billed),
    h2(t.boot),
    h2(t.busy),
    h2(t.idle),
    t.pricePerHourUsd === undefined ? 'unpriced' : formatPricePerHour(t.pricePerHourUsd),
    t.pricePerHourUsd === undefined ? '' : usd(t.costUsd),
  ]);
  const projects = r.byProject.map((p) => [
    p.project,
    String(p.jobs),
    h2(p.runHours),
    usd(p.costUsd),
  ]);
  const results = Object.entries(r.jobs.byResult).map(([k, n]) => `${k} ${n}`);
  return [
    '<div class="cards">',
    renderCard(
      'cost',
      usd(r.costUsd),
      r.unpricedHours > 0 ? `+ ${h2(r.unpricedHours)} h unpriced` : `prices ${r.region}`,
    ),
    renderCard(
      'billed hours',
      h2(r.hours.billed),
      `boot ${h2(r.hours.boot)} · busy ${h2(r.hours.busy)} · idle ${h2(r.hours.idle)}`,
    ),
    renderCard('idle ratio', formatPercent(r.idleRatio), `${r.instances} instance(s)`),
    renderCard(
      'jobs',
      String(r.jobs.count),
      `reruns ${r.jobs.reruns}, interruptions ${r.jobs.interruptions}`,
    ),
    '</div>',
    '<h2>Recorded fleet and queue</h2>',
    renderFleetChart(series),
    '<h2>Hours and cost by instance type</h2>',
    renderTable(
      ['type', 'lifecycle', 'instances', 'billed h', 'boot h', 'busy h', 'idle h', 'price', 'cost'],
      types,
    ),
    '<h2>Cost by project</h2>',
    '<p class="sub">Each instance’s whole cost, boot and idle included, split over the jobs that ran on it by run time.</p>',
    renderTable(['project', 'jobs', 'run h', 'cost'], projects),
    `<p class="sub">Jobs ${e(String(r.jobs.count))}${results.length > 0 ? `: ${e(results.join(', '))}` : ''}</p>`,
  ].join('\n');
}

function splitRow(label: string, m: MoneySplit): string[] {
  const parts = [m.costUsd, m.busyUsd, m.idleUsd, m.bootUsd, m.interruptionUsd].map(usd);
  return [label, ...parts, h2(m.instanceHours), String(m.jobs)];
}

function moneySection(m: MoneySummary): string {
  const s = m.savings;
  const against = (label: string, otherUsd: number, basis: string): string[] => {
    const diff = otherUsd - s.actualUsd;
    return [
      label,
      usd(otherUsd),
      diff >= 0 ? `saves ${usd(diff)}` : `costs ${usd(-diff)} more`,
      basis,
    ];
  };
  const prices = m.prices.live ? 'live spot prices' : `prices of ${m.prices.asOf}`;
  return [
    '<h2>Money</h2>',
    `<p class="sub">${e(`At ${new Date(m.nowMs).toISOString()} (UTC days and months; ${m.region}, ${prices})`)}</p>`,
    '<div class="cards">',
    renderCard('today', usd(m.today.costUsd), `${h2(m.today.instanceHours)} instance-h`),
    renderCard('month to date', usd(m.monthToDate.costUsd), `${m.monthToDate.jobs} job(s)`),
    renderCard('projected month', usd(m.projectedMonth.costUsd), m.projectedMonth.basis),
    renderCard('saved vs on-demand', usd(s.onDemandUsd - s.actualUsd), 'month to date'),
    '</div>',
    renderTable(
      ['', 'cost', 'busy', 'idle', 'boot', 'interruption', 'instance-h', 'jobs'],
      [splitRow('today', m.today), splitRow('month to date', m.monthToDate)],
    ),
    '<h3>Month to date against</h3>',
    renderTable(
      ['', 'would cost', 'spotrunner', 'basis'],
      [
        against('on-demand', s.onDemandUsd, s.basis.onDemand),
        against('always-on', s.alwaysOnUsd, s.basis.alwaysOn),
        against('GitLab-hosted runners', s.gitlabHostedUsd, s.basis.gitlabHosted),
      ],
    ),
    ...(m.unpricedHours > 0
      ? [
          `<p class="sub">${e(`+ ${h2(m.unpricedHours)} instance-h this month on types without a price`)}</p>`,
        ]
      : []),
  ].join('\n');
}

function comparisonSection(c: ReplayComparison, plan: PlanResult | undefined): string {
  const o = c.realizedOnly;
  return [
    '<h2>Realized against replayed</h2>',
    `<p class="sub">${e(describeReplaySettings(c.settings))}</p>`,
    renderTable(['', 'realized', 'replayed', 'difference'], comparisonRows(c)),
    `<p class="sub">${e(`Realized only: wait for an instance p50 ${o.instanceWaitSeconds.p50.toFixed(1)} s, p95 ${o.instanceWaitSeconds.p95.toFixed(1)} s; GitLab pickup p50 ${o.pickupSeconds.p50.toFixed(1)} s, p95 ${o.pickupSeconds.p95.toFixed(1)} s`)}</p>`,
    ...(plan ? ['<h3>Replayed fleet and queue</h3>', renderFleetChart(plan.series)] : []),
    '<h3>How the replay differs in method</h3>',
    `<ul>${c.method.map((m) => `<li>${e(m)}</li>`).join('')}</ul>`,
  ].join('\n');
}

function adviceSection(sweep: SweepResult, advice: SweepAdvice | undefined): string {
  const lines = advice ? formatSweepAdvice(advice).split('\n') : [];
  return [
    renderSweepSection(sweep),
    ...(lines.length > 0
      ? [
          `<p><strong>${e(lines[0]!)}</strong></p>`,
          `<ul>${lines
            .slice(1)
            .map((l) => `<li>${e(l.trim())}</li>`)
            .join('')}</ul>`,
        ]
      : []),
  ].join('\n');
}

export function renderHistoryHtml(input: HistoryHtmlInput): string {
  const r = input.report;
  const period = `${iso(r.fromMs, 'start')} to ${iso(r.toMs, 'end')}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>spotrunner report</title><style>${REPORT_CSS}</style></head><body>
<h1>spotrunner report</h1>
<p class="sub">${e(`Period ${period}; prices ${r.region}, ${r.prices.asOf}`)}</p>
${realizedSection(r, input.series)}
${input.money ? moneySection(input.money) : ''}
${input.comparison ? comparisonSection(input.comparison, input.plan) : ''}
${input.sweep ? adviceSection(input.sweep, input.advice) : ''}
<p class="sub"><small>Generated by spotrunner report${input.generatedAt ? ` at ${e(input.generatedAt)}` : ''}.</small></p>
</body></html>
`;
}
