/**
 * `--prices FILE`: a JSON or CSV price file laid over the bundled table.
 *
 * JSON: `{ "asOf": "2026-11-20", "source": "…", "types": { "x.large": { "vcpu": 2, "memoryGiB": 8,
 * "arch": "arm64", "burstable": false } }, "prices": { "us-east-1": { "t4g.medium":
 * { "onDemand": 0.0336, "spot": 0.011 } } } }`, or an array of rows like the CSV.
 * CSV: `region,instance_type,on_demand,spot[,vcpu,memory_gib,arch]` (USD per hour).
 */
import { readFile } from 'node:fs/promises';
import { describeError, UserError } from '../../platform/errors.js';
import { splitCsvRecord } from '../history/csv-records.js';
import { scalarText } from '../history/job-fields.js';
import type { Arch, InstanceTypeSpec, PriceEntry, PriceTableOverride } from './price-table.js';

type Override = PriceTableOverride & {
  regions: Record<string, Record<string, Partial<PriceEntry>>>;
};

function num(value: unknown, where: string, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new UserError(`${where}: ${field} "${scalarText(value)}" is not a price`);
  return n;
}

function addType(out: Override, type: string, row: Record<string, unknown>, where: string): void {
  const vcpu = num(row['vcpu'], where, 'vcpu');
  if (vcpu === undefined) return;
  const arch = row['arch'];
  if (arch !== 'arm64' && arch !== 'amd64')
    throw new UserError(`${where}: arch must be arm64 or amd64`);
  const spec: InstanceTypeSpec = {
    vcpu,
    memoryGiB: num(row['memory_gib'] ?? row['memoryGiB'], where, 'memory_gib') ?? 0,
    arch: arch satisfies Arch,
    burstable: scalarText(row['burstable'] ?? type.startsWith('t')) === 'true',
  };
  out.types = { ...out.types, [type]: spec };
}

function addPrice(
  out: Override,
  region: string,
  type: string,
  row: Record<string, unknown>,
  where: string,
): void {
  const od = num(
    row['on_demand'] ?? row['onDemand'] ?? row['onDemandPerHourUsd'],
    where,
    'on_demand',
  );
  const spot = num(row['spot'] ?? row['spotPerHourUsd'], where, 'spot');
  const entry: Partial<PriceEntry> = {};
  if (od !== undefined) entry.onDemandPerHourUsd = od;
  if (spot !== undefined) entry.spotPerHourUsd = spot;
  (out.regions[region] ??= {})[type] = entry;
}

function addRow(out: Override, row: Record<string, unknown>, where: string): void {
  const region = row['region'];
  const type = row['instance_type'] ?? row['instanceType'] ?? row['type'];
  if (typeof region !== 'string' || typeof type !== 'string' || !region || !type) {
    throw new UserError(`${where}: needs region and instance_type`);
  }
  addPrice(out, region, type, row, where);
  addType(out, type, row, where);
}

/** Parses price-file text (JSON or CSV, guessed from the first character). */
export function parsePriceFile(text: string, file: string): Override {
  const out: Override = { regions: {}, source: file };
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch (err: unknown) {
      throw new UserError(`${file}: invalid JSON: ${describeError(err)}`);
    }
    if (Array.isArray(data)) {
      data.forEach((row, i) => addRow(out, row as Record<string, unknown>, `${file}[${i}]`));
      return out;
    }
    const obj = data as Record<string, unknown>;
    if (typeof obj['asOf'] === 'string') out.asOf = obj['asOf'];
    if (typeof obj['source'] === 'string') out.source = obj['source'];
    const types = (obj['types'] ?? {}) as Record<string, Record<string, unknown>>;
    for (const [type, spec] of Object.entries(types))
      addType(out, type, spec, `${file}: types.${type}`);
    const prices = (obj['prices'] ?? {}) as Record<string, Record<string, Record<string, unknown>>>;
    for (const [region, byType] of Object.entries(prices)) {
      for (const [type, p] of Object.entries(byType)) {
        addPrice(out, region, type, p, `${file}: prices.${region}.${type}`);
      }
    }
    return out;
  }
  const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (splitCsvRecord(lines[0] ?? '') ?? []).map((h) => h.trim().toLowerCase());
  lines.slice(1).forEach((line, i) => {
    const fields = splitCsvRecord(line) ?? [];
    const row = Object.fromEntries(header.map((h, k) => [h, fields[k]?.trim() ?? '']));
    addRow(out, row, `${file}:${i + 2}`);
  });
  return out;
}

/** Reads a price file; UserError when it cannot be read or parsed. */
export async function loadPriceFile(path: string): Promise<Override> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err: unknown) {
    throw new UserError(`cannot read prices ${path}: ${describeError(err)}`);
  }
  return parsePriceFile(text, path);
}
