/**
 * Instance types and hourly prices for the planner: a bundled, dated table, optionally
 * overridden by a user file (`--prices`) or live spot prices (`--live-prices`).
 */
import { UserError } from '../../platform/errors.js';
import {
  BUNDLED_INSTANCE_TYPES,
  BUNDLED_PRICES_AS_OF,
  BUNDLED_PRICES_SOURCE,
  BUNDLED_REGION_PRICES,
} from './prices-2026-11.js';

export type Arch = 'arm64' | 'amd64';

export interface InstanceTypeSpec {
  vcpu: number;
  memoryGiB: number;
  arch: Arch;
  /** T-family: CPU credits; unlimited-mode surplus charges are not modelled. */
  burstable: boolean;
}

export interface PriceEntry {
  onDemandPerHourUsd: number;
  spotPerHourUsd: number;
  /** Where this entry came from when it is not the table's own source (a file, live AWS). */
  source?: string;
}

export interface PriceTable {
  /** Date the figures describe (YYYY-MM-DD). */
  asOf: string;
  source: string;
  types: Readonly<Record<string, InstanceTypeSpec>>;
  /** region → instance type → prices. */
  regions: Readonly<Record<string, Readonly<Record<string, PriceEntry>>>>;
}

/** Prices laid over a table (`--prices`, `--live-prices`): each field may be missing. */
export interface PriceTableOverride {
  asOf?: string;
  source?: string;
  types?: Readonly<Record<string, InstanceTypeSpec>>;
  regions: Readonly<Record<string, Readonly<Record<string, Partial<PriceEntry>>>>>;
}

export interface InstancePrice extends InstanceTypeSpec {
  instanceType: string;
  region: string;
  onDemandPerHourUsd: number;
  spotPerHourUsd: number;
  asOf: string;
  source: string;
}

export const DEFAULT_REGION = 'us-east-1';

/** The table shipped with spotrunner (see prices-2026-11.ts for sources). */
export function bundledPriceTable(): PriceTable {
  const regions: Record<string, Record<string, PriceEntry>> = {};
  for (const [region, byType] of Object.entries(BUNDLED_REGION_PRICES)) {
    regions[region] = Object.fromEntries(
      Object.entries(byType).map(([type, [od, spot]]) => [
        type,
        { onDemandPerHourUsd: od, spotPerHourUsd: spot },
      ]),
    );
  }
  return {
    asOf: BUNDLED_PRICES_AS_OF,
    source: BUNDLED_PRICES_SOURCE,
    types: BUNDLED_INSTANCE_TYPES,
    regions,
  };
}

/** The type the planner uses when neither the flag nor the config names one. */
export function defaultInstanceType(arch: Arch | undefined): string {
  return arch === 'amd64' ? 't3a.medium' : 't4g.medium';
}

/** Prices and shape of one type in one region; a UserError lists what is known otherwise. */
export function lookupInstancePrice(
  table: PriceTable,
  instanceType: string,
  region: string,
): InstancePrice {
  const spec = table.types[instanceType];
  const byType = table.regions[region];
  if (!byType) {
    throw new UserError(
      `no prices for region ${region} (known: ${Object.keys(table.regions).join(', ')}); pass --prices FILE`,
    );
  }
  const entry = byType[instanceType];
  if (!spec || !entry || !(entry.onDemandPerHourUsd >= 0) || !(entry.spotPerHourUsd >= 0)) {
    throw new UserError(
      `no prices for instance type ${instanceType} in ${region} (known: ${Object.keys(byType).join(', ')}); pass --prices FILE`,
    );
  }
  return {
    ...spec,
    instanceType,
    region,
    onDemandPerHourUsd: entry.onDemandPerHourUsd,
    spotPerHourUsd: entry.spotPerHourUsd,
    asOf: table.asOf,
    source: entry.source ?? table.source,
  };
}

/** `override` entries replace `base` entries field by field; new types and regions are added. */
export function mergePriceTables(base: PriceTable, override: PriceTableOverride): PriceTable {
  const regions: Record<string, Record<string, PriceEntry>> = {};
  for (const [region, byType] of Object.entries(base.regions)) regions[region] = { ...byType };
  for (const [region, byType] of Object.entries(override.regions)) {
    const target = (regions[region] ??= {});
    for (const [type, entry] of Object.entries(byType)) {
      target[type] = { ...target[type], ...entry } as PriceEntry;
    }
  }
  return {
    asOf: override.asOf ?? base.asOf,
    source: override.source ? `${override.source} over ${base.source}` : base.source,
    types: { ...base.types, ...override.types },
    regions,
  };
}
