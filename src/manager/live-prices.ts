/**
 * The manager's prices (`[spotrunner] live_prices`, `prices_file`): the bundled table, overlaid
 * with the price file when one is set, overlaid with current spot prices of the types the aws
 * runners' groups launch (DescribeSpotPriceHistory through each group's own EC2 client, in its
 * region), fetched at start and every hour. The price file is read when the book is made (one
 * that does not load is logged and the bundled table used) and again at every refresh. A failed
 * refresh keeps the last good table; it is logged once per streak of failures and counted.
 * `current()` is what the dashboard prices with: the one place that lays prices_file over the
 * bundled table for the manager.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { CompiledManagerOptions } from '../config/types.js';
import type { Clock } from '../platform/clock.js';
import { describeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { groupInstanceTypes } from '../providers/aws/index.js';
import type { AwsGroupHandle } from '../providers/aws/group-handle.js';
import {
  createEc2SpotPriceSource,
  fetchLiveSpotPrices,
  type SpotPriceSource,
} from '../plan/prices/live-spot-prices.js';
import { loadPriceFile } from '../plan/prices/load-prices.js';
import {
  bundledPriceTable,
  mergePriceTables,
  type PriceTable,
  type PriceTableOverride,
} from '../plan/prices/price-table.js';
import { createPart, type ManagerPart } from './parts.js';

export const LIVE_PRICES_INTERVAL_MS = 3_600_000;
const WAITING_RETRY_MS = 60_000;

export interface PriceBook {
  /** Bundled table ← price file ← live spot prices (the last good ones). */
  current(): PriceTable;
  /** Refreshes at start and every interval (live prices need the runners' aws groups). */
  part(manager: { stacks(): readonly PricedStack[] }): ManagerPart;
}

export interface PriceBookDeps {
  clock: Clock;
  logger: Logger;
  /** The spot price source of one group's EC2 client (default: DescribeSpotPriceHistory). */
  spotPrices?: (ec2: EC2Client) => SpotPriceSource;
}

export type PriceBookOptions = Pick<
  CompiledManagerOptions,
  'livePrices' | 'pricesFile' | 'priceRegion'
> & { intervalMs?: number };

interface Target {
  ec2: EC2Client;
  region: string;
  types: Set<string>;
}

/** What pricing reads of a runner's stack (RunnerStack has it). */
export interface PricedStack {
  awsGroups: readonly Pick<AwsGroupHandle, 'clients' | 'options' | 'clientKey'>[];
  fleet: { status(): { instances: readonly { instanceType?: string }[] } };
}

type Stacks = () => readonly PricedStack[];

/** One target per account/endpoint/region: the types of every group there and their instances. */
async function targetsOf(
  stacks: Stacks,
  fallbackRegion: string,
  signal: AbortSignal,
): Promise<Target[]> {
  const targets = new Map<string, Target>();
  for (const stack of stacks()) {
    const seen = stack.fleet
      .status()
      .instances.flatMap((i) => (i.instanceType ? [i.instanceType] : []));
    for (const group of stack.awsGroups) {
      let target = targets.get(group.clientKey);
      if (!target) {
        target = {
          ec2: group.clients.ec2,
          region: await regionOf(group, fallbackRegion),
          types: new Set(),
        };
        targets.set(group.clientKey, target);
      }
      for (const t of await groupInstanceTypes(group.clients, group.options.groupName, signal))
        target.types.add(t);
      for (const t of seen) target.types.add(t);
    }
  }
  return [...targets.values()].filter((t) => t.types.size > 0);
}

async function regionOf(
  group: PricedStack['awsGroups'][number],
  fallback: string,
): Promise<string> {
  return group.options.region ?? (await group.clients.ec2.config.region()) ?? fallback;
}

/** Makes the book with the bundled table and the price file over it (not yet live prices). */
export async function createPriceBook(
  deps: PriceBookDeps,
  options: PriceBookOptions,
): Promise<PriceBook> {
  const log = deps.logger.child({ component: 'prices' });
  const spotPrices = deps.spotPrices ?? createEc2SpotPriceSource;
  const intervalMs = options.intervalMs ?? LIVE_PRICES_INTERVAL_MS;
  const bundled = bundledPriceTable();
  let fileOverride: PriceTableOverride | undefined;
  const live = new Map<string, PriceTableOverride>();
  let table = bundled;
  let liveAtMs: number | undefined;
  let lastRefreshAtMs: number | undefined;
  let lastError: string | undefined;
  let refreshes = 0;
  let failures = 0;
  let streak = 0;
  /** live_prices but no aws group to price yet (its runner still starting): look again soon. */
  let waiting = false;

  const rebuild = (): void => {
    let t = bundled;
    if (fileOverride) t = mergePriceTables(t, fileOverride);
    for (const o of live.values()) t = mergePriceTables(t, o);
    table = t;
  };

  if (options.pricesFile) {
    try {
      fileOverride = await loadPriceFile(options.pricesFile);
      rebuild();
    } catch (err: unknown) {
      log.warn(
        { file: options.pricesFile, err: describeError(err) },
        'price file not loaded; using the bundled prices',
      );
    }
  }

  const fetchLive = async (stacks: Stacks, signal: AbortSignal): Promise<void> => {
    const nowMs = deps.clock.now();
    const targets = await targetsOf(stacks, options.priceRegion ?? 'us-east-1', signal);
    for (const target of targets) {
      const override = await fetchLiveSpotPrices(spotPrices(target.ec2), {
        region: target.region,
        instanceTypes: [...target.types].sort(),
        nowMs,
        signal,
      });
      live.set(target.region, { ...override, asOf: new Date(nowMs).toISOString().slice(0, 10) });
    }
    if (targets.length > 0) liveAtMs = nowMs;
    waiting = targets.length === 0;
  };

  const refresh = async (stacks: Stacks, signal: AbortSignal): Promise<void> => {
    lastRefreshAtMs = deps.clock.now();
    try {
      if (options.pricesFile) fileOverride = await loadPriceFile(options.pricesFile);
      if (options.livePrices) await fetchLive(stacks, signal);
      if (streak > 0) log.info({ failures: streak }, 'prices refreshed again');
      streak = 0;
      lastError = undefined;
    } catch (err: unknown) {
      if (signal.aborted) return;
      failures++;
      lastError = describeError(err);
      if (streak++ === 0)
        log.warn({ err: lastError }, 'price refresh failed; keeping the last prices');
    } finally {
      refreshes++;
      rebuild();
    }
  };

  return {
    current: () => table,
    part(manager) {
      const abort = new AbortController();
      let loop: Promise<void> = Promise.resolve();
      const run = async (): Promise<void> => {
        while (!abort.signal.aborted) {
          await refresh(() => manager.stacks(), abort.signal);
          const nextMs = waiting ? Math.min(intervalMs, WAITING_RETRY_MS) : intervalMs;
          await deps.clock.sleep(nextMs, abort.signal).catch(() => undefined);
        }
      };
      return createPart('prices', {
        start: () => {
          loop = run();
        },
        stop: async () => {
          abort.abort(new Error('manager stopping'));
          await loop;
        },
        status: () => ({
          livePrices: options.livePrices,
          ...(options.pricesFile ? { pricesFile: options.pricesFile } : {}),
          source: table.source,
          asOf: table.asOf,
          intervalMs,
          refreshes,
          failures,
          ...(liveAtMs !== undefined ? { liveAtMs } : {}),
          ...(lastRefreshAtMs !== undefined ? { lastRefreshAtMs } : {}),
          ...(lastError !== undefined ? { lastError } : {}),
          liveRegions: [...live.keys()].sort(),
          ...(options.livePrices && waiting ? { waitingForAwsGroups: true } : {}),
        }),
      });
    },
  };
}
