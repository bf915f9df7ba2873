/**
 * `--live-prices`: current spot prices from EC2 `DescribeSpotPriceHistory` (Linux/UNIX, the
 * last few hours), laid over the bundled table. Per type: the latest price in each availability
 * zone, then the median across zones (an ASG spreads over zones). The EC2 client is built by the
 * caller (CLI/app layer, default credential chain) and handed in through `SpotPriceSource`.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { describeSpotPriceHistory } from '../../providers/aws/spot-price-history.js';
import type { PriceEntry, PriceTableOverride } from './price-table.js';

export interface SpotPricePoint {
  instanceType: string;
  zone: string;
  priceUsd: number;
  timestampMs: number;
}

export interface SpotPriceSource {
  spotPriceHistory(input: {
    instanceTypes: readonly string[];
    startTimeMs: number;
    signal?: AbortSignal;
  }): Promise<SpotPricePoint[]>;
}

/** Adapts an EC2 client (paginated DescribeSpotPriceHistory) to SpotPriceSource. */
export function createEc2SpotPriceSource(client: EC2Client): SpotPriceSource {
  return {
    spotPriceHistory: (input) => describeSpotPriceHistory(client, input),
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Current spot prices as a partial price table for `region` (types without data are left out). */
export async function fetchLiveSpotPrices(
  source: SpotPriceSource,
  options: {
    region: string;
    instanceTypes: readonly string[];
    nowMs: number;
    lookbackMs?: number;
    signal?: AbortSignal;
  },
): Promise<PriceTableOverride> {
  const points = await source.spotPriceHistory({
    instanceTypes: options.instanceTypes,
    startTimeMs: options.nowMs - (options.lookbackMs ?? 6 * 3_600_000),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const latest = new Map<string, Map<string, SpotPricePoint>>();
  for (const p of points) {
    let zones = latest.get(p.instanceType);
    if (!zones) latest.set(p.instanceType, (zones = new Map<string, SpotPricePoint>()));
    const seen = zones.get(p.zone);
    if (!seen || p.timestampMs > seen.timestampMs) zones.set(p.zone, p);
  }
  const source_ = `EC2 DescribeSpotPriceHistory ${new Date(options.nowMs).toISOString().slice(0, 16)}Z`;
  const byType: Record<string, Partial<PriceEntry>> = {};
  for (const [type, zones] of latest) {
    byType[type] = {
      spotPerHourUsd: median([...zones.values()].map((z) => z.priceUsd)),
      source: `${source_}, median of ${zones.size} zone(s)`,
    };
  }
  return { source: source_, regions: { [options.region]: byType } };
}
