/**
 * EC2 spot price history (Linux/UNIX) for a few instance types since a time, every page of it.
 * The planner's `--live-prices` and the manager's `live_prices` read current spot prices here.
 * IAM: ec2:DescribeSpotPriceHistory.
 */
import { paginateDescribeSpotPriceHistory, type EC2Client } from '@aws-sdk/client-ec2';
import { callAws } from './aws-errors.js';

export interface SpotPriceRecord {
  instanceType: string;
  zone: string;
  priceUsd: number;
  timestampMs: number;
}

export function describeSpotPriceHistory(
  ec2: EC2Client,
  input: { instanceTypes: readonly string[]; startTimeMs: number; signal?: AbortSignal },
): Promise<SpotPriceRecord[]> {
  return callAws('ec2:DescribeSpotPriceHistory', async () => {
    const out: SpotPriceRecord[] = [];
    const pages = paginateDescribeSpotPriceHistory(
      { client: ec2, pageSize: 1000 },
      {
        InstanceTypes: [...input.instanceTypes] as never[],
        ProductDescriptions: ['Linux/UNIX'],
        StartTime: new Date(input.startTimeMs),
      },
    );
    for await (const page of pages) {
      if (input.signal?.aborted) break;
      for (const p of page.SpotPriceHistory ?? []) {
        const price = Number(p.SpotPrice);
        if (!p.InstanceType || !Number.isFinite(price)) continue;
        out.push({
          instanceType: p.InstanceType,
          zone: p.AvailabilityZone ?? '',
          priceUsd: price,
          timestampMs: p.Timestamp?.getTime() ?? 0,
        });
      }
    }
    return out;
  });
}
