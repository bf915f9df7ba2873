import type { Lifecycle } from '../provider.js';

/** EC2 Linux billing: per second, with a 60-second minimum. */
export function billedSeconds(startMs: number, endMs: number): number {
  return Math.max(60, Math.ceil(Math.max(0, endMs - startMs) / 1000));
}

export function billedCostUsd(startMs: number, endMs: number, pricePerHourUsd: number): number {
  return (billedSeconds(startMs, endMs) / 3600) * pricePerHourUsd;
}

export interface SimBillingRecord {
  id: string;
  instanceType: string;
  lifecycle: Lifecycle;
  /** Launch (increase) time. */
  startMs: number;
  /** Termination time; for a live instance, the time billing was asked for. */
  endMs: number;
  /** Still running when billing was asked for. */
  open: boolean;
  /** Taken back by a spot interruption. */
  interrupted: boolean;
  billedSeconds: number;
  costUsd: number;
}

export interface SimCostLine {
  instanceType: string;
  lifecycle: Lifecycle;
  instances: number;
  /** Billed hours (per-second, 60 s minimum each). */
  instanceHours: number;
  costUsd: number;
}

export interface SimCostSummary {
  instances: number;
  instanceHours: number;
  costUsd: number;
  lines: SimCostLine[];
}

interface OpenEntry {
  id: string;
  instanceType: string;
  lifecycle: Lifecycle;
  startMs: number;
  pricePerHourUsd: number;
}

/** Launch/terminate times of every instance and the money they cost. */
export class SimLedger {
  readonly #keepRecords: boolean;
  readonly #open = new Map<string, OpenEntry>();
  readonly #closed: SimBillingRecord[] = [];
  readonly #totals = new Map<string, SimCostLine>();

  constructor(keepRecords: boolean) {
    this.#keepRecords = keepRecords;
  }

  open(entry: OpenEntry): void {
    this.#open.set(entry.id, entry);
  }

  close(id: string, endMs: number, interrupted: boolean): void {
    const e = this.#open.get(id);
    if (!e) return;
    this.#open.delete(id);
    const rec = toRecord(e, endMs, false, interrupted);
    this.#add(this.#totals, rec);
    if (this.#keepRecords) this.#closed.push(rec);
  }

  #add(totals: Map<string, SimCostLine>, rec: SimBillingRecord): void {
    const key = `${rec.instanceType}|${rec.lifecycle}`;
    let line = totals.get(key);
    if (!line) {
      line = {
        instanceType: rec.instanceType,
        lifecycle: rec.lifecycle,
        instances: 0,
        instanceHours: 0,
        costUsd: 0,
      };
      totals.set(key, line);
    }
    line.instances++;
    line.instanceHours += rec.billedSeconds / 3600;
    line.costUsd += rec.costUsd;
  }

  /** One record per instance (closed ones only if records are kept), live ones billed until `untilMs`. */
  records(untilMs: number): SimBillingRecord[] {
    const live = [...this.#open.values()].map((e) =>
      toRecord(e, Math.max(untilMs, e.startMs), true, false),
    );
    return [...this.#closed, ...live];
  }

  /** Totals by instance type and lifecycle, live instances billed until `untilMs`. */
  summary(untilMs: number): SimCostSummary {
    const totals = new Map<string, SimCostLine>();
    for (const [k, v] of this.#totals) totals.set(k, { ...v });
    for (const e of this.#open.values())
      this.#add(totals, toRecord(e, Math.max(untilMs, e.startMs), true, false));
    const lines = [...totals.values()].sort(
      (a, b) =>
        a.instanceType.localeCompare(b.instanceType) || a.lifecycle.localeCompare(b.lifecycle),
    );
    return {
      instances: lines.reduce((n, l) => n + l.instances, 0),
      instanceHours: lines.reduce((n, l) => n + l.instanceHours, 0),
      costUsd: lines.reduce((n, l) => n + l.costUsd, 0),
      lines,
    };
  }
}

function toRecord(
  e: OpenEntry,
  endMs: number,
  open: boolean,
  interrupted: boolean,
): SimBillingRecord {
  const secs = billedSeconds(e.startMs, endMs);
  return {
    id: e.id,
    instanceType: e.instanceType,
    lifecycle: e.lifecycle,
    startMs: e.startMs,
    endMs,
    open,
    interrupted,
    billedSeconds: secs,
    costUsd: (secs / 3600) * e.pricePerHourUsd,
  };
}
