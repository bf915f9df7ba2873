/** `report --config` / `--sweep` text: realized against replayed, and the sweep's advice. */
import { formatDurationMs } from '../../platform/durations.js';
import { formatColumns, formatSeconds, formatUsd } from '../../plan/report/format.js';
import type { Compared, ReplayComparison } from './replay-comparison.js';
import type { SweepAdvice } from './sweep-advice.js';

const hours = (n: number): string => n.toFixed(2);
const usd4 = (n: number): string => `$${n.toFixed(4)}`;
const signed = (n: number, f: (v: number) => string): string =>
  `${n > 0 ? '+' : n < 0 ? '-' : '±'}${f(Math.abs(n))}`;
const count = (n: number): string => String(Math.round(n));

/** `t4g.medium spot in us-east-1; capacity_per_instance 1, …`. */
export function describeReplaySettings(s: ReplayComparison['settings']): string {
  return (
    `runner "${s.runner}": ${s.instanceType} ${s.lifecycle} in ${s.region}; ` +
    `capacity_per_instance ${s.capacityPerInstance}, max_instances ${s.maxInstances || 'provider max'}, ` +
    `idle_count ${s.idleCount}, idle_time ${formatDurationMs(s.idleTimeMs)}; ` +
    `boot median ${formatSeconds(s.bootMedianMs / 1000)}`
  );
}

/** The comparison's rows as cells: what, realized, replayed, difference. */
export function comparisonRows(c: ReplayComparison): string[][] {
  const row = (label: string, v: Compared, f: (n: number) => string): string[] => [
    label,
    f(v.realized),
    f(v.replayed),
    signed(v.difference, f),
  ];
  return [
    row('jobs', c.jobs, count),
    row('instances (launches)', c.instances, count),
    row('cost', c.costUsd, usd4),
    row('billed hours', c.hours.billed, hours),
    row('boot hours', c.hours.boot, hours),
    row('busy hours', c.hours.busy, hours),
    row('idle hours', c.hours.idle, hours),
    row('queue wait p50', c.queueWaitSeconds.p50, formatSeconds),
    row('queue wait p95', c.queueWaitSeconds.p95, formatSeconds),
    row('cold starts', c.coldStarts, count),
  ];
}

export function formatComparison(c: ReplayComparison): string {
  const table = formatColumns(
    [['', 'realized', 'replayed', 'difference'], ...comparisonRows(c)],
    [false, true, true, true],
  );
  const o = c.realizedOnly;
  return [
    `Replay of the recorded jobs (${describeReplaySettings(c.settings)}):`,
    ...table.map((l) => `  ${l}`),
    `Realized only: wait for an instance p50 ${formatSeconds(o.instanceWaitSeconds.p50)}, p95 ${formatSeconds(o.instanceWaitSeconds.p95)}; GitLab pickup p50 ${formatSeconds(o.pickupSeconds.p50)}, p95 ${formatSeconds(o.pickupSeconds.p95)}`,
    'How the replay differs in method:',
    ...c.method.map((m) => `  - ${m}`),
  ].join('\n');
}

export function formatSweepAdvice(a: SweepAdvice): string {
  const rec = a.recommended;
  const lines = [
    `Advice (p95 queue wait target ${formatSeconds(a.waitTargetSeconds)}), per month of the recorded period:`,
    `  current setting (${a.current.label}): replayed ${formatUsd(a.current.costPerMonthUsd)}/month, p95 ${formatSeconds(a.current.p95WaitSeconds)}; realized ${formatUsd(a.realized.costPerMonthUsd)}/month, p95 ${formatSeconds(a.realized.p95WaitSeconds)}`,
    rec
      ? `  ${rec.meetsTarget ? 'recommended' : 'closest to the target'} (${rec.label}): ${formatUsd(rec.costPerMonthUsd)}/month, p95 ${formatSeconds(rec.p95WaitSeconds)}; ${signed(rec.costPerMonthUsd - a.current.costPerMonthUsd, formatUsd)}/month against the current setting`
      : '  no setting was replayed',
  ];
  return lines.join('\n');
}
