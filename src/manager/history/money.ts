/**
 * The money model: what the recorded fleet cost today and this month, where the money went, what
 * the month will come to, and what the same work would have cost otherwise. Pure: the history,
 * the price table and `nowMs` in, figures out. Days and months are UTC.
 *
 * Billed span of an instance: launch to removal. An open record (no removedAtMs) was written when
 * a manager stopped with the instance still there; it is billed to its recorded billedS (the
 * stop), not to nowMs: what happened after the stop is not recorded (a restarted manager removes
 * such instances at start by default, or adopts them and its later record replaces this one), so
 * billing to nowMs could charge for hours that never were. Instances the caller knows are still
 * there (`running`, e.g. from the manager's /status) are billed up to nowMs.
 *
 * Periods take the part of each instance's billed span that overlaps them (an instance launched
 * yesterday and still running counts partly today); nothing after nowMs counts. A job counts in
 * the period it finished in.
 *
 * The split adds up to the cost (and the hours to the instance-hours), per instance:
 * - boot: launch to ready (all of it when never ready), as the report's boot hours;
 * - busy: time under a run that completed (the job's last run, unless lost);
 * - interruption: time under a run lost to an interruption or the loss of its instance (work
 *   that was redone elsewhere), plus the instance's time after its last lost run when no
 *   completed run came later (the instance was going away: nothing could use it);
 * - idle: the rest.
 * The report's busy hours are busy + the lost-run part of interruption; its idle hours are idle +
 * the tail part; boot is the same. Unpriced types (local, static) count in the hours and in
 * `unpricedHours`, not in the USD.
 *
 * Savings (month to date): on-demand prices the same instance-hours at on-demand rates;
 * always-on runs ceil(peak concurrent jobs / capacity per instance) instances (always-on.ts) of
 * the most used type on-demand for the whole period; GitLab-hosted prices the completed runs'
 * minutes on the comparable hosted size (gitlab-hosted.ts). Capacity per instance, when not
 * given, is the most concurrent runs seen on one instance.
 */
import { lookupInstancePrice, type PriceTable } from '../../plan/prices/price-table.js';
import type { RecordedJob } from '../../runner/job-recorder.js';
import type { RecordedInstance } from './instance-tracker.js';
import {
  instanceKey,
  instanceTimeline,
  overlapMs,
  type InstanceRuns,
  runsByInstance,
  type TimeKind,
} from './money-timeline.js';
import type { RecordedHistory } from './read-history.js';
import { savings, type MoneySavings, type Priced } from './money-savings.js';

export type { MoneySavings } from './money-savings.js';

export interface MoneySplit {
  costUsd: number;
  busyUsd: number;
  idleUsd: number;
  bootUsd: number;
  interruptionUsd: number;
  instanceHours: number;
  jobs: number;
  /** The instance-hours by kind (unpriced instances included); they add up to instanceHours. */
  hours: Record<TimeKind, number>;
  /** The part of instanceHours on types without a price. */
  unpricedHours: number;
}

export interface MoneySummary {
  nowMs: number;
  region: string;
  prices: { source: string; asOf: string; live: boolean };
  today: MoneySplit;
  monthToDate: MoneySplit;
  projectedMonth: { costUsd: number; basis: string };
  /** Month to date. */
  savings: MoneySavings;
  unpricedHours: number;
}

export interface MoneyOptions {
  nowMs: number;
  region: string;
  prices: PriceTable;
  /** The prices include live spot prices (`--live-prices`). */
  live?: boolean;
  /** Default: the most concurrent runs seen on one instance. */
  capacityPerInstance?: number;
  /** Cap of the always-on fleet; 0 or absent = none. */
  maxInstances?: number;
  /** Instances still there at nowMs (billed up to nowMs); they replace open records. */
  running?: readonly RecordedInstance[];
}

const H = 3_600_000;
const DAY = 24 * H;

function round(n: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const usd = (n: number): string => `$${n.toFixed(Math.abs(n) < 1 ? 4 : 2)}`;

function priceOf(inst: RecordedInstance, o: MoneyOptions): Priced['price'] {
  if (!inst.instanceType) return undefined;
  try {
    const p = lookupInstancePrice(o.prices, inst.instanceType, o.region);
    const billed = inst.lifecycle === 'spot' ? p.spotPerHourUsd : p.onDemandPerHourUsd;
    return { billed, onDemand: p.onDemandPerHourUsd, vcpu: p.vcpu, arch: p.arch };
  } catch {
    return undefined;
  }
}

/**
 * Every instance with its price and timeline. Every period summed ends at nowMs and starts at
 * or after `fromMs` (the month's start, or 7 days back for the run rate): an instance billed
 * up to `fromMs` at the latest overlaps none, so its timeline is left empty (most of a 35-day
 * dashboard window late in a month).
 */
function pricedInstances(
  history: RecordedHistory,
  runs: ReadonlyMap<string, InstanceRuns>,
  o: MoneyOptions,
  fromMs: number,
): Priced[] {
  // One look-up per type and lifecycle, not per instance (20,000 in a full dashboard window).
  const prices = new Map<string, Priced['price']>();
  const priceFor = (inst: RecordedInstance): Priced['price'] => {
    const k = `${inst.instanceType}\0${inst.lifecycle}`;
    if (!prices.has(k)) prices.set(k, priceOf(inst, o));
    return prices.get(k);
  };
  const byKey = new Map<string, { inst: RecordedInstance; endMs: number }>();
  for (const inst of history.instances)
    byKey.set(instanceKey(inst.runner, inst.instanceId), {
      inst,
      endMs: inst.removedAtMs ?? inst.launchedAtMs + inst.billedS * 1000,
    });
  for (const inst of o.running ?? [])
    byKey.set(instanceKey(inst.runner, inst.instanceId), { inst, endMs: o.nowMs });
  return [...byKey.entries()].map(([key, { inst, endMs }]) => {
    const price = priceFor(inst);
    return {
      inst,
      segments:
        Math.max(inst.launchedAtMs, endMs) <= fromMs
          ? []
          : instanceTimeline(inst, endMs, runs.get(key)),
      ...(price ? { price } : {}),
    };
  });
}

function splitFor(
  priced: readonly Priced[],
  jobs: readonly RecordedJob[],
  fromMs: number,
  toMs: number,
): MoneySplit {
  const hours: Record<TimeKind, number> = { boot: 0, busy: 0, interruption: 0, idle: 0 };
  const money: Record<TimeKind, number> = { boot: 0, busy: 0, interruption: 0, idle: 0 };
  let unpricedHours = 0;
  for (const p of priced) {
    const ms = overlapMs(p.segments, fromMs, toMs);
    for (const kind of Object.keys(ms) as TimeKind[]) {
      const h = ms[kind] / H;
      hours[kind] += h;
      if (p.price) money[kind] += h * p.price.billed;
      else unpricedHours += h;
    }
  }
  const instanceHours = hours.boot + hours.busy + hours.interruption + hours.idle;
  return {
    costUsd: round(money.boot + money.busy + money.interruption + money.idle),
    busyUsd: round(money.busy),
    idleUsd: round(money.idle),
    bootUsd: round(money.boot),
    interruptionUsd: round(money.interruption),
    instanceHours: round(instanceHours),
    jobs: jobs.filter((j) => j.finishedAtMs >= fromMs && j.finishedAtMs < toMs).length,
    hours: {
      boot: round(hours.boot),
      busy: round(hours.busy),
      interruption: round(hours.interruption),
      idle: round(hours.idle),
    },
    unpricedHours: round(unpricedHours),
  };
}

/** Cost over [fromMs, toMs) without rounding (for run rates). */
function costBetween(priced: readonly Priced[], fromMs: number, toMs: number): number {
  let cost = 0;
  for (const p of priced) {
    if (!p.price) continue;
    const ms = overlapMs(p.segments, fromMs, toMs);
    cost += ((ms.boot + ms.busy + ms.interruption + ms.idle) / H) * p.price.billed;
  }
  return cost;
}

function projectMonth(
  priced: readonly Priced[],
  monthToDateUsd: number,
  nowMs: number,
  monthEndMs: number,
): MoneySummary['projectedMonth'] {
  const firstMs = priced.reduce((m, p) => Math.min(m, p.inst.launchedAtMs), Infinity);
  const rateFromMs = Math.max(nowMs - 7 * DAY, Number.isFinite(firstMs) ? firstMs : nowMs);
  const spanMs = nowMs - rateFromMs;
  // Under a day recorded counts as one day: a fleet that ran an hour is not assumed to run
  // around the clock (a rate from a few minutes would project thousands of dollars).
  const perDay =
    spanMs > 0 ? (costBetween(priced, rateFromMs, nowMs) * DAY) / Math.max(spanMs, DAY) : 0;
  const daysLeft = Math.max(0, monthEndMs - nowMs) / DAY;
  const window =
    spanMs >= 7 * DAY
      ? 'the last 7 days'
      : spanMs >= DAY
        ? `the ${(spanMs / DAY).toFixed(1)} day(s) recorded`
        : `the ${(spanMs / 3_600_000).toFixed(1)} hour(s) recorded, counted as one day`;
  return {
    costUsd: round(monthToDateUsd + perDay * daysLeft),
    basis: `month to date ${usd(monthToDateUsd)} + ${usd(perDay)}/day (average of ${window}) × ${daysLeft.toFixed(1)} day(s) left`,
  };
}

export function summarizeMoney(history: RecordedHistory, o: MoneyOptions): MoneySummary {
  const now = new Date(o.nowMs);
  const dayStartMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const monthStartMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const monthEndMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  const runs = runsByInstance(history.jobs);
  const priced = pricedInstances(history, runs, o, Math.min(monthStartMs, o.nowMs - 7 * DAY));
  const today = splitFor(priced, history.jobs, dayStartMs, o.nowMs);
  const monthToDate = splitFor(priced, history.jobs, monthStartMs, o.nowMs);
  return {
    nowMs: o.nowMs,
    region: o.region,
    prices: { source: o.prices.source, asOf: o.prices.asOf, live: o.live ?? false },
    today,
    monthToDate,
    projectedMonth: projectMonth(priced, monthToDate.costUsd, o.nowMs, monthEndMs),
    savings: savings(priced, history.jobs, runs, monthToDate.costUsd, monthStartMs, o),
    unpricedHours: monthToDate.unpricedHours,
  };
}
