/**
 * Rows for `spotrunner fleet ls` on an aws group: per instance its type, lifecycle, zone, launch
 * time, age and hourly price (from a price table handed in, e.g. `src/plan/prices/`).
 */
import type { InstanceInfo, Lifecycle } from '../provider.js';
import type { AwsProvider } from './aws-provider.js';
import type { Ownership } from './group-tags.js';

/** Hourly USD for a type and lifecycle in a region, when known. */
export type PriceLookup = (
  instanceType: string,
  lifecycle: Lifecycle,
  region: string,
) => number | undefined;

export interface FleetListingRow extends InstanceInfo {
  ageMs?: number;
  pricePerHourUsd?: number;
  /** Price × age, when both are known. */
  costSoFarUsd?: number;
  ownership?: Ownership;
}

export interface FleetListingOptions {
  region: string;
  nowMs: number;
  priceFor?: PriceLookup;
  ownership?: (id: string) => Ownership | undefined;
}

export function toFleetRows(
  instances: readonly InstanceInfo[],
  options: FleetListingOptions,
): FleetListingRow[] {
  return instances.map((instance) => {
    const ageMs =
      instance.launchedAtMs === undefined
        ? undefined
        : Math.max(0, options.nowMs - instance.launchedAtMs);
    const pricePerHourUsd =
      instance.instanceType && options.priceFor
        ? options.priceFor(instance.instanceType, instance.lifecycle ?? 'on-demand', options.region)
        : undefined;
    const costSoFarUsd =
      pricePerHourUsd !== undefined && ageMs !== undefined
        ? Math.round(pricePerHourUsd * (ageMs / 3_600_000) * 10_000) / 10_000
        : undefined;
    return {
      ...instance,
      ageMs,
      pricePerHourUsd,
      costSoFarUsd,
      ownership: options.ownership?.(instance.id),
    };
  });
}

/** The region part of an aws provider id (`aws/<region>/<group>`). */
export function regionOfProviderId(providerId: string): string | undefined {
  const [kind, region] = providerId.split('/');
  return kind === 'aws' ? region : undefined;
}

/** Lists the group now (one DescribeAutoScalingGroups + cached details) as fleet rows. */
export async function listAwsFleet(
  provider: Pick<AwsProvider, 'update' | 'ownership'>,
  options: Omit<FleetListingOptions, 'ownership'> & { signal?: AbortSignal },
): Promise<FleetListingRow[]> {
  const instances = await provider.update(options.signal);
  return toFleetRows(instances, { ...options, ownership: (id) => provider.ownership(id) });
}
