/**
 * The money part of `spotrunner report`: `--now` (today and month to date relative to it,
 * default the current time), `--live-prices` (current spot prices laid over the table, as
 * `plan --live-prices`) and `--capacity-per-instance` (for the always-on comparison; default
 * the most jobs seen at once on one instance).
 */
import { SystemClock, type Clock } from '../../platform/clock.js';
import { UserError } from '../../platform/errors.js';
import { summarizeMoney, type MoneySummary } from '../../manager/history/money.js';
import type { RecordedHistory } from '../../manager/history/read-history.js';
import { fetchLiveSpotPrices, type SpotPriceSource } from '../../plan/prices/live-spot-prices.js';
import {
  DEFAULT_REGION,
  mergePriceTables,
  type PriceTable,
} from '../../plan/prices/price-table.js';
import { ec2SpotPrices } from './plan.js';

export { formatMoney } from '../../manager/history/money-format.js';

export interface ReportMoneyOptions {
  region?: string;
  now?: string;
  livePrices?: boolean;
  capacityPerInstance?: string;
}

export interface ReportCommandDeps {
  /** Spot price source for --live-prices; default: EC2 with the default credential chain. */
  spotPrices?: (region: string) => SpotPriceSource;
  clock?: Clock;
}

export interface PreparedMoney {
  /** The table with live spot prices laid over it when `--live-prices` asks. */
  prices(table: PriceTable): Promise<PriceTable>;
  summarize(prices: PriceTable): MoneySummary;
}

function parseNowMs(value: string | undefined, nowMs: number): number {
  if (value === undefined) return nowMs;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UserError(`--now "${value}" is not a date (ISO-8601)`);
  return ms;
}

function parseCapacity(value: string | undefined): { capacityPerInstance?: number } {
  if (value === undefined) return {};
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`--capacity-per-instance "${value}": expected a whole number ≥ 1`);
  return { capacityPerInstance: n };
}

/** Checks the money flags (a bad one throws before any price is fetched). */
export function prepareMoney(
  o: ReportMoneyOptions,
  deps: ReportCommandDeps,
  history: RecordedHistory,
): PreparedMoney {
  const region = o.region ?? DEFAULT_REGION;
  const clockMs = (deps.clock ?? new SystemClock()).now();
  const nowMs = parseNowMs(o.now, clockMs);
  const capacity = parseCapacity(o.capacityPerInstance);
  let live = false;
  return {
    async prices(table) {
      if (!o.livePrices) return table;
      const types = [...new Set(history.instances.map((i) => i.instanceType))].filter(
        (t): t is string => t !== undefined && table.types[t] !== undefined,
      );
      if (types.length === 0) return table;
      const source = (deps.spotPrices ?? ec2SpotPrices)(region);
      const fetched = await fetchLiveSpotPrices(source, {
        region,
        instanceTypes: types,
        nowMs: clockMs,
      });
      live = true;
      return mergePriceTables(table, fetched);
    },
    summarize: (prices) => summarizeMoney(history, { nowMs, region, prices, live, ...capacity }),
  };
}
