/**
 * `report --sweep`: plan's sweep over the recorded jobs, summed up as advice — the setting that
 * meets the wait target at least cost, beside the current setting (its replay) and what was
 * realized, all per month of the recorded period.
 */
import { formatDurationMs } from '../../platform/durations.js';
import { projectPerMonth } from '../../plan/cost/projection.js';
import type { PlanResult } from '../../plan/replay/plan-result.js';
import type { SweepResult } from '../../plan/sweep/run-sweep.js';
import { sweepToJson, type SweepJson } from '../../plan/sweep/sweep-report.js';

export interface AdviceFigures {
  label: string;
  costPerMonthUsd: number;
  p95WaitSeconds: number;
}

export interface SweepAdvice {
  waitTargetSeconds: number;
  /** The config's own setting, replayed. */
  current: AdviceFigures & { idleTime: string; idleCount: number; capacityPerInstance: number };
  /** What the recording cost over the same span, and its p95 queue wait. */
  realized: { costPerMonthUsd: number; p95WaitSeconds: number };
  recommended?: AdviceFigures & { settings: Record<string, string>; meetsTarget: boolean };
  reason: string;
}

const r4 = (n: number): number => Math.round(n * 1e4) / 1e4;

export function adviseFromSweep(
  sweep: SweepResult,
  current: PlanResult,
  realized: { costUsd: number; p95WaitSeconds: number },
): SweepAdvice {
  const s = current.settings;
  const idleTime = formatDurationMs(s.idleTimeMs);
  const rec =
    sweep.recommendation.index === undefined ? undefined : sweep.rows[sweep.recommendation.index];
  return {
    waitTargetSeconds: sweep.waitTargetSeconds,
    current: {
      label: `idle_time=${idleTime} idle_count=${s.idleCount} capacity=${s.capacityPerInstance}`,
      idleTime,
      idleCount: s.idleCount,
      capacityPerInstance: s.capacityPerInstance,
      costPerMonthUsd: r4(current.costPerMonthUsd),
      p95WaitSeconds: r4(current.waitSeconds.p95),
    },
    realized: {
      costPerMonthUsd: r4(projectPerMonth(realized.costUsd, current.history.spanMs)),
      p95WaitSeconds: r4(realized.p95WaitSeconds),
    },
    ...(rec
      ? {
          recommended: {
            label: rec.label,
            settings: rec.values,
            meetsTarget: sweep.recommendation.meetsTarget,
            costPerMonthUsd: r4(rec.costPerMonthUsd),
            p95WaitSeconds: r4(rec.p95WaitSeconds),
          },
        }
      : {}),
    reason: sweep.recommendation.reason,
  };
}

/** The sweep's JSON (plan's) with the advice beside it. */
export function sweepAdviceJson(
  sweep: SweepResult,
  advice: SweepAdvice,
): SweepJson & {
  advice: SweepAdvice;
} {
  return { ...sweepToJson(sweep), advice };
}
