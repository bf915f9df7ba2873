/**
 * The table `spotrunner fleet ls` prints from a manager's `/status`: every instance of every
 * runner with its state, type, lifecycle, age, idle time, use count, jobs, and the cost so far at
 * the bundled price table's hourly rate.
 */
import type { FleetInstanceView, FleetStatus } from '../fleet/fleet.js';
import { formatDurationMs } from '../platform/durations.js';
import {
  bundledPriceTable,
  lookupInstancePrice,
  type PriceTable,
} from '../plan/prices/price-table.js';

/** The manager status as `/status` serves it (the parts `ls` reads). */
export interface StatusDocument {
  nowMs?: number;
  runners: readonly { name: string; state: string; fleet?: FleetStatus }[];
}

export interface FleetRow {
  runner: string;
  id: string;
  state: string;
  instanceType?: string;
  lifecycle?: string;
  ageMs?: number;
  idleMs?: number;
  useCount: number;
  jobIds: readonly number[];
  pricePerHourUsd?: number;
  costSoFarUsd?: number;
  interruption?: string;
}

function priceOf(table: PriceTable, providerId: string, i: FleetInstanceView): number | undefined {
  const region = /(?:^|\+fallback:)aws\/([^/]+)\//.exec(providerId)?.[1];
  if (!region || !i.instanceType) return undefined;
  try {
    const p = lookupInstancePrice(table, i.instanceType, region);
    return i.lifecycle === 'spot' ? p.spotPerHourUsd : p.onDemandPerHourUsd;
  } catch {
    return undefined; // a type or region the bundled table does not know: no price shown
  }
}

/** Rows for every instance of every runner, ages and costs as of `nowMs`. */
export function fleetRows(status: StatusDocument, nowMs: number, table: PriceTable): FleetRow[] {
  return status.runners.flatMap((r) =>
    (r.fleet?.instances ?? []).map((i) => {
      const ageMs = i.launchedAtMs === undefined ? undefined : Math.max(0, nowMs - i.launchedAtMs);
      const idle = i.slotsInUse === 0 && i.idleSinceMs !== undefined;
      const price = priceOf(table, r.fleet!.providerId, i);
      return {
        runner: r.name,
        id: i.id,
        state: i.status,
        ...(i.instanceType ? { instanceType: i.instanceType } : {}),
        ...(i.lifecycle ? { lifecycle: i.lifecycle } : {}),
        ...(ageMs === undefined ? {} : { ageMs }),
        ...(idle ? { idleMs: Math.max(0, nowMs - i.idleSinceMs!) } : {}),
        useCount: i.useCount,
        jobIds: i.jobIds,
        ...(price === undefined ? {} : { pricePerHourUsd: price }),
        ...(price !== undefined && ageMs !== undefined
          ? { costSoFarUsd: Math.round(price * (ageMs / 3_600_000) * 10_000) / 10_000 }
          : {}),
        ...(i.interruption ? { interruption: i.interruption.kind } : {}),
      };
    }),
  );
}

/** One line per runner still waiting for instances it asked its provider for. */
export function requestedLines(status: StatusDocument, nowMs: number): string[] {
  return status.runners.flatMap((r) => {
    const req = r.fleet?.requested;
    if (!req || req.count === 0) return [];
    const waited = formatDurationMs(Math.max(0, Math.round((nowMs - req.sinceMs) / 1000)) * 1000);
    return [
      `${r.name}: ${req.count} requested instance(s) not listed yet (oldest asked for ${waited} ago)`,
    ];
  });
}

const dur = (ms: number | undefined): string =>
  ms === undefined ? '-' : formatDurationMs(Math.round(ms / 1000) * 1000);

/** The text table of `fleet ls`. */
export function formatFleetTable(rows: readonly FleetRow[]): string {
  const head = [
    'RUNNER',
    'INSTANCE',
    'STATE',
    'TYPE',
    'LIFECYCLE',
    'AGE',
    'IDLE',
    'USES',
    'JOBS',
    'COST',
  ];
  const body = rows.map((r) => [
    r.runner,
    r.id,
    r.interruption ? `${r.state} (${r.interruption})` : r.state,
    r.instanceType ?? '-',
    r.lifecycle ?? '-',
    dur(r.ageMs),
    dur(r.idleMs),
    String(r.useCount),
    r.jobIds.length > 0 ? r.jobIds.join(',') : '-',
    r.costSoFarUsd === undefined ? '-' : `$${r.costSoFarUsd.toFixed(4)}`,
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, k) => c.padEnd(widths[k]!))
      .join('  ')
      .trimEnd();
  const total = rows.reduce((n, r) => n + (r.costSoFarUsd ?? 0), 0);
  return [
    line(head),
    ...body.map(line),
    `${rows.length} instance(s), cost so far $${total.toFixed(4)} at bundled ${bundledPriceTable().asOf} prices`,
  ].join('\n');
}
