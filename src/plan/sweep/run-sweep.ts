/** `--sweep`: replays every combination (one after the other: it is CPU bound) and ranks them. */
import { runPlan, type PlanInput } from '../replay/run-plan.js';
import type { PlanResult } from '../replay/plan-result.js';
import { paretoFront } from './pareto.js';
import { recommend, type Recommendation } from './recommend.js';
import { sweepCombinations, type SweepDimension, type SweepKey } from './sweep-spec.js';

export interface SweepRow {
  label: string;
  values: Partial<Record<SweepKey, string>>;
  result: PlanResult;
  costPerMonthUsd: number;
  p95WaitSeconds: number;
  pareto: boolean;
}

export interface SweepResult {
  dimensions: SweepKey[];
  rows: SweepRow[];
  waitTargetSeconds: number;
  recommendation: Recommendation;
}

export interface SweepProgress {
  done: number;
  total: number;
  label: string;
}

export async function runSweep(
  input: PlanInput,
  dims: readonly SweepDimension[],
  waitTargetSeconds: number,
  onProgress?: (p: SweepProgress) => void,
): Promise<SweepResult> {
  const combos = sweepCombinations(dims);
  const rows: SweepRow[] = [];
  for (const [i, combo] of combos.entries()) {
    onProgress?.({ done: i, total: combos.length, label: combo.label });
    const result = await runPlan({
      ...input,
      overrides: { ...input.overrides, ...combo.overrides },
    });
    rows.push({
      label: combo.label,
      values: combo.values,
      result,
      costPerMonthUsd: result.costPerMonthUsd,
      p95WaitSeconds: result.waitSeconds.p95,
      pareto: false,
    });
  }
  onProgress?.({ done: combos.length, total: combos.length, label: '' });
  paretoFront(rows).forEach((onFront, i) => (rows[i]!.pareto = onFront));
  const recommendation = recommend(
    rows.map((r) => ({ ...r, failedJobs: r.result.failedJobs })),
    waitTargetSeconds,
  );
  return { dimensions: dims.map((d) => d.key), rows, waitTargetSeconds, recommendation };
}
