/**
 * The dashboard's money: which price table and region, from the config (the bundled table with
 * `prices_file` laid over it; the region of the aws provider's plugin_config, else
 * `price_region`), or a price feed handed in (`prices`). A price file that does not load is
 * logged and the bundled table used: the dashboard never takes the manager down.
 */
import type { CompiledConfig } from '../../config/types.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { loadPriceFile } from '../../plan/prices/load-prices.js';
import {
  bundledPriceTable,
  DEFAULT_REGION,
  mergePriceTables,
  type PriceTable,
} from '../../plan/prices/price-table.js';
import { buildReport } from '../history/history-report.js';
import type { RecordedHistory } from '../history/read-history.js';

export interface MoneyPricing {
  region: string;
  prices: () => PriceTable;
  capacityPerInstance?: number;
  maxInstances?: number;
}

/** The region to price in: the aws (or sim) provider's, else `price_region`, else the default. */
export function priceRegion(config: CompiledConfig): string {
  for (const r of config.runners) {
    const p = r.autoscaler?.provider;
    if (p?.kind === 'aws' && p.aws.region) return p.aws.region;
    if (p?.kind === 'sim' && p.sim.region) return p.sim.region;
  }
  return config.manager.priceRegion ?? DEFAULT_REGION;
}

export async function loadPricing(
  deps: { logger: Logger },
  config: CompiledConfig,
  prices?: () => PriceTable,
): Promise<MoneyPricing> {
  const autoscaler = config.runners.find((r) => r.autoscaler)?.autoscaler;
  const shape = {
    ...(autoscaler ? { capacityPerInstance: autoscaler.capacityPerInstance } : {}),
    ...(autoscaler?.maxInstances ? { maxInstances: autoscaler.maxInstances } : {}),
  };
  const region = priceRegion(config);
  if (prices) return { region, prices, ...shape };
  let table = bundledPriceTable();
  const file = config.manager.pricesFile;
  if (file) {
    try {
      table = mergePriceTables(table, await loadPriceFile(file));
    } catch (err: unknown) {
      deps.logger.warn(
        { file, err: describeError(err) },
        'dashboard price file not loaded; using the bundled prices',
      );
    }
  }
  const fixed = table;
  return { region, prices: () => fixed, ...shape };
}

function startOfUtcDay(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

function startOfUtcMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export interface DashboardMoney {
  note?: string;
  /** Report figures (history-report.ts) for today and the month so far, in UTC. */
  report?: {
    region: string;
    prices: { source: string; asOf: string };
    today: { costUsd: number; instanceHours: number; jobs: number };
    monthToDate: { costUsd: number; instanceHours: number; jobs: number };
    unpricedHours: number;
  };
}

/** Money from `spotrunner report`'s figures: cost and instance hours, today and this month. */
export function reportMoney(
  pricing: MoneyPricing,
): (history: RecordedHistory, nowMs: number) => DashboardMoney {
  return (history: RecordedHistory, nowMs: number): DashboardMoney => {
    const prices = pricing.prices();
    const period = (fromMs: number): ReturnType<typeof buildReport> =>
      buildReport(history, { fromMs, toMs: nowMs + 1, region: pricing.region, prices });
    const today = period(startOfUtcDay(nowMs));
    const month = period(startOfUtcMonth(nowMs));
    const line = (r: typeof today): { costUsd: number; instanceHours: number; jobs: number } => ({
      costUsd: r.costUsd,
      instanceHours: r.hours.billed,
      jobs: r.jobs.count,
    });
    return {
      note: 'cost as `spotrunner report` computes it (instances launched in the period)',
      report: {
        region: pricing.region,
        prices: { source: prices.source, asOf: prices.asOf },
        today: line(today),
        monthToDate: line(month),
        unpricedHours: month.unpricedHours,
      },
    };
  };
}
