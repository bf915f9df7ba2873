/**
 * The dashboard's money: the manager's price book handed in (`prices`, live-prices.ts: bundled ←
 * prices_file ← live spot prices), in the region of the aws provider's plugin_config, else
 * `price_region`. Money that cannot be computed is a note: the dashboard never takes the manager
 * down.
 */
import type { CompiledConfig } from '../../config/types.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { DEFAULT_REGION, type PriceTable } from '../../plan/prices/price-table.js';
import { summarizeMoney, type MoneySummary } from '../history/money.js';
import type { RecordedHistory } from '../history/read-history.js';

export interface MoneyPricing {
  region: string;
  prices: () => PriceTable;
  /** The prices come from a live feed (handed in), not a fixed table. */
  live: boolean;
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

/** How the dashboard prices: the price book's table, in priceRegion, for the fleet's shape. */
export function moneyPricing(config: CompiledConfig, prices: () => PriceTable): MoneyPricing {
  const autoscaler = config.runners.find((r) => r.autoscaler)?.autoscaler;
  const shape = {
    ...(autoscaler ? { capacityPerInstance: autoscaler.capacityPerInstance } : {}),
    ...(autoscaler?.maxInstances ? { maxInstances: autoscaler.maxInstances } : {}),
  };
  return { region: priceRegion(config), prices, live: config.manager.livePrices, ...shape };
}

export interface DashboardMoney {
  summary?: MoneySummary;
  /** Why there is no summary, or what the figures leave out. */
  note?: string;
}

/**
 * Money over the history window (money.ts): today, month to date, projected month, the split and
 * the savings, in UTC days and months. A failure is a note on the page, never a failed request.
 */
export function windowMoney(
  deps: { logger: Logger },
  pricing: MoneyPricing,
): (history: RecordedHistory, nowMs: number) => DashboardMoney {
  let warned = false;
  return (history, nowMs) => {
    try {
      const summary = summarizeMoney(history, {
        nowMs,
        region: pricing.region,
        prices: pricing.prices(),
        live: pricing.live,
        ...(pricing.capacityPerInstance
          ? { capacityPerInstance: pricing.capacityPerInstance }
          : {}),
        ...(pricing.maxInstances ? { maxInstances: pricing.maxInstances } : {}),
      });
      return summary.unpricedHours > 0
        ? {
            summary,
            note: 'instances of types without a price (local, static) count in the hours, not in the dollars',
          }
        : { summary };
    } catch (err: unknown) {
      if (!warned) deps.logger.warn({ err: describeError(err) }, 'dashboard money not computed');
      warned = true;
      return { note: `money not computed: ${describeError(err)}` };
    }
  };
}
