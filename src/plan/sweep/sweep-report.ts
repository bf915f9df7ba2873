/** Sweep tables: text (cost vs p95 wait, Pareto front marked, the recommendation) and JSON. */
import {
  formatColumns,
  formatHours,
  formatInt,
  formatPercent,
  formatSeconds,
  formatUsd,
} from '../report/format.js';
import type { SweepResult } from './run-sweep.js';

export function formatSweepText(s: SweepResult): string {
  const head = [
    ...s.dimensions,
    '$/month',
    'p95 wait',
    'p99 wait',
    'cold starts',
    'VM-h/month',
    'idle',
    'pareto',
  ];
  const rows = s.rows.map((r, i) => [
    ...s.dimensions.map((d) => r.values[d] ?? ''),
    formatUsd(r.costPerMonthUsd),
    formatSeconds(r.p95WaitSeconds),
    formatSeconds(r.result.waitSeconds.p99),
    formatInt(r.result.coldStarts),
    formatHours(r.result.vmHoursPerMonth),
    formatPercent(r.result.idleRatio),
    `${r.pareto ? '*' : ''}${i === s.recommendation.index ? ' <- recommended' : ''}`,
  ]);
  const right = head.map((_, i) => i >= s.dimensions.length && i < head.length - 1);
  const lines = formatColumns([head, ...rows], right).map((l) => `  ${l}`);
  const first = s.rows[0]?.result;
  const intro = first
    ? `sweep: ${s.rows.length} setting(s) replayed over ${formatInt(first.jobs)} jobs (${first.history.source}); * = Pareto front (no setting is both cheaper and faster)`
    : 'sweep: nothing replayed';
  const excluded = s.excluded.map((e) => `  ${e.label}: left out, ${e.reason}`);
  return [
    intro,
    '',
    ...lines,
    '',
    ...(excluded.length > 0 ? [...excluded, ''] : []),
    `recommendation (p95 wait target ${formatSeconds(s.waitTargetSeconds)}): ${s.recommendation.reason}`,
    '',
  ].join('\n');
}

export interface SweepJson {
  version: 1;
  waitTargetSeconds: number;
  dimensions: string[];
  rows: {
    settings: Record<string, string>;
    costPerMonthUsd: number;
    alwaysOnCostPerMonthUsd: number;
    waitSeconds: { p50: number; p95: number; p99: number; max: number };
    coldStarts: number;
    vmHoursPerMonth: number;
    idleRatio: number;
    launches: number;
    failedJobs: number;
    pareto: boolean;
    recommended: boolean;
  }[];
  /** Combinations not replayed: their policy can never serve a job. */
  excluded: { settings: Record<string, string>; reason: string }[];
  recommendation: { settings?: Record<string, string>; meetsTarget: boolean; reason: string };
}

const r4 = (n: number): number => Math.round(n * 1e4) / 1e4;

export function sweepToJson(s: SweepResult): SweepJson {
  const rec = s.recommendation.index === undefined ? undefined : s.rows[s.recommendation.index];
  return {
    version: 1,
    waitTargetSeconds: s.waitTargetSeconds,
    dimensions: s.dimensions,
    rows: s.rows.map((r, i) => ({
      settings: r.values,
      costPerMonthUsd: r4(r.costPerMonthUsd),
      alwaysOnCostPerMonthUsd: r4(r.result.alwaysOnCostPerMonthUsd),
      waitSeconds: {
        p50: r4(r.result.waitSeconds.p50),
        p95: r4(r.result.waitSeconds.p95),
        p99: r4(r.result.waitSeconds.p99),
        max: r4(r.result.waitSeconds.max),
      },
      coldStarts: r.result.coldStarts,
      vmHoursPerMonth: r4(r.result.vmHoursPerMonth),
      idleRatio: r4(r.result.idleRatio),
      launches: r.result.launches,
      failedJobs: r.result.failedJobs,
      pareto: r.pareto,
      recommended: i === s.recommendation.index,
    })),
    excluded: s.excluded.map((e) => ({ settings: e.values, reason: e.reason })),
    recommendation: {
      ...(rec ? { settings: rec.values } : {}),
      meetsTarget: s.recommendation.meetsTarget,
      reason: s.recommendation.reason,
    },
  };
}
