/** One plan: config + history + prices (+ overrides) → replay through the engine → PlanResult. */
import type { CompiledConfig } from '../../config/types.js';
import type { Logger } from '../../platform/logger.js';
import { explainCost, type CostBand } from '../cost/explain-cost.js';
import { historySpan, type History } from '../history/job-record.js';
import type { PriceTable } from '../prices/price-table.js';
import { buildPlanResult } from './build-result.js';
import type { PlanResult } from './plan-result.js';
import { resolvePlanSetup, type PlanFlags, type PlanOverrides } from './plan-setup.js';
import { replayJobs } from './replay.js';

export interface PlanInput {
  config: CompiledConfig;
  history: History;
  prices: PriceTable;
  flags?: PlanFlags;
  overrides?: PlanOverrides;
  /** A cost band to explain the result against (e.g. the seed's projection). */
  expected?: CostBand;
  logger?: Logger;
}

export async function runPlan(input: PlanInput): Promise<PlanResult> {
  const setup = resolvePlanSetup(input.config, input.prices, input.flags ?? {}, input.overrides);
  const { startMs, spanMs } = historySpan(input.history);
  const outcome = await replayJobs({
    jobs: input.history.jobs,
    startMs,
    spanMs,
    fleet: setup.fleet,
    price: setup.price,
    lifecycle: setup.settings.lifecycle,
    bootTime: setup.bootTime,
    interruptionsPerInstanceHour: setup.settings.interruptionsPerInstanceHour,
    seed: setup.settings.seed,
    maxConcurrent: setup.maxConcurrent,
    checkIntervalMs: setup.settings.checkIntervalMs,
    interruptionMode: setup.interruptionMode,
    maxReruns: setup.maxReruns,
    ...(input.logger ? { logger: input.logger } : {}),
  });
  const result = buildPlanResult(
    setup,
    {
      source: input.history.source,
      jobs: input.history.jobs.length,
      skipped: input.history.skipped,
      startMs,
      spanMs,
      ...(input.history.routing ? { routing: input.history.routing } : {}),
    },
    outcome,
  );
  result.explanations = explainCost(result, input.expected);
  return result;
}
