/** `--sweep`: replays every combination (one after the other: it is CPU bound) and ranks them. */
import { runPlan, type PlanInput } from '../replay/run-plan.js';
import type { PlanResult } from '../replay/plan-result.js';
import { whyPlanCannotServe } from '../replay/plan-setup.js';
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

/** A combination left out: its policy could never serve a job (its replay would show $0). */
export interface SweepExclusion {
  label: string;
  values: Partial<Record<SweepKey, string>>;
  reason: string;
}

export interface SweepResult {
  dimensions: SweepKey[];
  rows: SweepRow[];
  excluded: SweepExclusion[];
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
  const excluded: SweepExclusion[] = [];
  for (const [i, combo] of combos.entries()) {
    onProgress?.({ done: i, total: combos.length, label: combo.label });
    const overrides = { ...input.overrides, ...combo.overrides };
    const reason = whyPlanCannotServe(input.config, input.flags ?? {}, overrides);
    if (reason !== undefined) {
      excluded.push({ label: combo.label, values: combo.values, reason });
      continue;
    }
    const result = await runPlan({ ...input, overrides });
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
  return {
    dimensions: dims.map((d) => d.key),
    rows,
    excluded,
    waitTargetSeconds,
    recommendation,
  };
}
