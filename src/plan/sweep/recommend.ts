/**
 * The recommendation of a sweep: the cheapest setting whose p95 queue wait meets the target,
 * with the reason in words; when none meets it, the one with the lowest p95 wait.
 */
import type { CostWait } from './pareto.js';

export interface Recommendation {
  /** Index of the recommended row; undefined when there are no rows. */
  index: number | undefined;
  meetsTarget: boolean;
  reason: string;
}

export interface Candidate extends CostWait {
  label: string;
  failedJobs?: number;
}

const usd = (n: number): string => `$${n.toFixed(2)}`;
const secs = (n: number): string => `${Math.round(n)} s`;

export function recommend(rows: readonly Candidate[], waitTargetSeconds: number): Recommendation {
  if (rows.length === 0)
    return { index: undefined, meetsTarget: false, reason: 'no settings were replayed' };
  const order = rows.map((_, i) => i);
  const ok = order.filter(
    (i) => rows[i]!.p95WaitSeconds <= waitTargetSeconds && !rows[i]!.failedJobs,
  );
  if (ok.length === 0) {
    const best = order.reduce((a, b) =>
      rows[b]!.p95WaitSeconds < rows[a]!.p95WaitSeconds ? b : a,
    );
    const r = rows[best]!;
    return {
      index: best,
      meetsTarget: false,
      reason:
        `no setting meets p95 wait ≤ ${secs(waitTargetSeconds)}; ${r.label} comes closest ` +
        `(p95 ${secs(r.p95WaitSeconds)}, ${usd(r.costPerMonthUsd)}/month). A cold start waits at least one boot; ` +
        'going lower takes warm capacity that absorbs bursts (idle_count with preemptive=false, or a longer idle_time) or faster boots',
    };
  }
  const cheapest = ok.reduce((a, b) => {
    const d = rows[b]!.costPerMonthUsd - rows[a]!.costPerMonthUsd;
    return d < 0 || (d === 0 && rows[b]!.p95WaitSeconds < rows[a]!.p95WaitSeconds) ? b : a;
  });
  const r = rows[cheapest]!;
  const cheaper = order
    .filter((i) => rows[i]!.costPerMonthUsd < r.costPerMonthUsd)
    .sort((a, b) => rows[b]!.costPerMonthUsd - rows[a]!.costPerMonthUsd)[0];
  let why =
    `${r.label} is the cheapest of ${ok.length} setting(s) with p95 wait ≤ ${secs(waitTargetSeconds)} ` +
    `(${usd(r.costPerMonthUsd)}/month, p95 ${secs(r.p95WaitSeconds)})`;
  if (cheaper !== undefined) {
    const c = rows[cheaper]!;
    why +=
      `; the next cheaper, ${c.label} at ${usd(c.costPerMonthUsd)}/month, has p95 ${secs(c.p95WaitSeconds)}` +
      (c.failedJobs ? ` and ${c.failedJobs} failed job(s)` : '');
  } else {
    why += '; nothing replayed was cheaper';
  }
  return { index: cheapest, meetsTarget: true, reason: why };
}
