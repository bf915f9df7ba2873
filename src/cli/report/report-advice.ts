/** What `report --config` / `--sweep` adds to the recorded report. */
import type { ReplayComparison } from '../../manager/history/replay-comparison.js';
import type { SweepAdvice } from '../../manager/history/sweep-advice.js';
import type { PlanResult } from '../../plan/replay/plan-result.js';
import type { SweepResult } from '../../plan/sweep/run-sweep.js';

export interface Advice {
  plan: PlanResult;
  comparison: ReplayComparison;
  sweep?: SweepResult;
  advice?: SweepAdvice;
}
