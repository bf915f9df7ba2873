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
import { alwaysOnCost } from '../../plan/cost/always-on.js';
import { GITLAB_HOSTED, hostedMinutesUsd, hostedSizeFor } from '../../plan/cost/gitlab-hosted.js';
import { lookupInstancePrice, type PriceTable } from '../../plan/prices/price-table.js';
import type { RecordedJob } from '../../runner/job-recorder.js';
import type { RecordedInstance } from './instance-tracker.js';
import {
  instanceKey,
  instanceTimeline,
  isLostRun,
  overlapMs,
  runsByInstance,
  runsOf,
  type Segment,
  type TimeKind,
} from './money-timeline.js';
import type { RecordedHistory } from './read-history.js';

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
  savings: {
    actualUsd: number;
    onDemandUsd: number;
    alwaysOnUsd: number;
    gitlabHostedUsd: number;
    basis: { onDemand: string; alwaysOn: string; gitlabHosted: string };
  };
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

interface Priced {
  inst: RecordedInstance;
  segments: Segment[];
  /** $/h as billed (spot or on-demand by lifecycle) and on-demand; absent when unpriced. */
  price?: { billed: number; onDemand: number; vcpu: number; arch: 'arm64' | 'amd64' };
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

function pricedInstances(history: RecordedHistory, o: MoneyOptions): Priced[] {
  const runs = runsByInstance(history.jobs);
  const byKey = new Map<string, { inst: RecordedInstance; endMs: number }>();
  for (const inst of history.instances)
    byKey.set(instanceKey(inst.runner, inst.instanceId), {
      inst,
      endMs: inst.removedAtMs ?? inst.launchedAtMs + inst.billedS * 1000,
    });
  for (const inst of o.running ?? [])
    byKey.set(instanceKey(inst.runner, inst.instanceId), { inst, endMs: o.nowMs });
  return [...byKey.entries()].map(([key, { inst, endMs }]) => {
    const price = priceOf(inst, o);
    return {
      inst,
      segments: instanceTimeline(inst, endMs, runs.get(key)),
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
  const perDay = spanMs > 0 ? (costBetween(priced, rateFromMs, nowMs) * DAY) / spanMs : 0;
  const daysLeft = Math.max(0, monthEndMs - nowMs) / DAY;
  const window =
    spanMs >= 7 * DAY ? 'the last 7 days' : `the ${(spanMs / DAY).toFixed(1)} day(s) recorded`;
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
  const priced = pricedInstances(history, o);
  const today = splitFor(priced, history.jobs, dayStartMs, o.nowMs);
  const monthToDate = splitFor(priced, history.jobs, monthStartMs, o.nowMs);
  return {
    nowMs: o.nowMs,
    region: o.region,
    prices: { source: o.prices.source, asOf: o.prices.asOf, live: o.live ?? false },
    today,
    monthToDate,
    projectedMonth: projectMonth(priced, monthToDate.costUsd, o.nowMs, monthEndMs),
    savings: savings(priced, history.jobs, monthToDate.costUsd, monthStartMs, o),
    unpricedHours: monthToDate.unpricedHours,
  };
}

function savings(
  priced: readonly Priced[],
  jobs: readonly RecordedJob[],
  actualUsd: number,
  fromMs: number,
  o: MoneyOptions,
): MoneySummary['savings'] {
  const toMs = o.nowMs;
  let onDemandUsd = 0;
  let pricedHours = 0;
  const hoursByType = new Map<string, { hours: number; price: NonNullable<Priced['price']> }>();
  for (const p of priced) {
    if (!p.price) continue;
    const ms = overlapMs(p.segments, fromMs, toMs);
    const h = (ms.boot + ms.busy + ms.interruption + ms.idle) / H;
    pricedHours += h;
    onDemandUsd += h * p.price.onDemand;
    const type = p.inst.instanceType!;
    const t = hoursByType.get(type) ?? { hours: 0, price: p.price };
    hoursByType.set(type, { ...t, hours: t.hours + h });
  }
  const main = [...hoursByType.entries()].sort((a, b) => b[1].hours - a[1].hours)[0];
  const always = alwaysOnFor(jobs, main, fromMs, o);
  const hosted = gitlabHostedFor(priced, jobs, fromMs, o);
  return {
    actualUsd,
    onDemandUsd: round(onDemandUsd),
    alwaysOnUsd: round(always.usd),
    gitlabHostedUsd: round(hosted.usd),
    basis: {
      onDemand: `${pricedHours.toFixed(2)} priced instance-hour(s) at on-demand prices`,
      alwaysOn: always.basis,
      gitlabHosted: hosted.basis,
    },
  };
}

/** Runs overlapping [fromMs, toMs) with the key of the instance they ran on. */
function runsIn(
  jobs: readonly RecordedJob[],
  fromMs: number,
  toMs: number,
): Array<{ key: string; startMs: number; endMs: number }> {
  const out: Array<{ key: string; startMs: number; endMs: number }> = [];
  for (const j of jobs)
    for (const r of runsOf(j))
      if (r.endedAtMs > r.startedAtMs && r.endedAtMs > fromMs && r.startedAtMs < toMs)
        out.push({
          key: instanceKey(j.runner, r.instanceId),
          startMs: r.startedAtMs,
          endMs: r.endedAtMs,
        });
  return out;
}

/** The most intervals open at once (an interval ending as another starts does not overlap it). */
function peakOverlap(intervals: ReadonlyArray<{ startMs: number; endMs: number }>): number {
  const edges = intervals.flatMap((i) => [
    { t: i.startMs, d: 1 },
    { t: i.endMs, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let peak = 0;
  for (const e of edges) peak = Math.max(peak, (open += e.d));
  return peak;
}

function alwaysOnFor(
  jobs: readonly RecordedJob[],
  main: [string, { hours: number; price: NonNullable<Priced['price']> }] | undefined,
  fromMs: number,
  o: MoneyOptions,
): { usd: number; basis: string } {
  if (!main) return { usd: 0, basis: 'no priced instance type this month' };
  const runs = runsIn(jobs, fromMs, o.nowMs);
  const capacity = o.capacityPerInstance ?? mostOnOneInstance(runsIn(jobs, -Infinity, Infinity));
  const peak = peakOverlap(runs);
  const a = alwaysOnCost({
    peakConcurrentJobs: peak,
    capacityPerInstance: capacity,
    maxInstances: o.maxInstances ?? 0,
    onDemandPerHourUsd: main[1].price.onDemand,
    spotPerHourUsd: 0,
  });
  const hours = Math.max(0, o.nowMs - fromMs) / H;
  const inferred = o.capacityPerInstance === undefined ? ', the most seen on one instance' : '';
  return {
    usd: a.instances * hours * main[1].price.onDemand,
    basis:
      `${a.instances} × ${main[0]} on-demand for ${hours.toFixed(1)} h; peak ${peak} concurrent ` +
      `job(s) / ${Math.max(1, capacity)} per instance${inferred}`,
  };
}

/** The most runs seen at once on one instance (at least 1). */
function mostOnOneInstance(
  runs: ReadonlyArray<{ key: string; startMs: number; endMs: number }>,
): number {
  const byInstance = new Map<string, Array<{ startMs: number; endMs: number }>>();
  for (const r of runs) {
    const list = byInstance.get(r.key);
    if (list) list.push(r);
    else byInstance.set(r.key, [r]);
  }
  return [...byInstance.values()].reduce((m, runs) => Math.max(m, peakOverlap(runs)), 1);
}

function gitlabHostedFor(
  priced: readonly Priced[],
  jobs: readonly RecordedJob[],
  fromMs: number,
  o: MoneyOptions,
): { usd: number; basis: string } {
  const byKey = new Map(priced.map((p) => [instanceKey(p.inst.runner, p.inst.instanceId), p]));
  let usdTotal = 0;
  let minutes = 0;
  let unmapped = 0;
  const tags = new Set<string>();
  for (const j of jobs) {
    if (j.finishedAtMs < fromMs || j.finishedAtMs >= o.nowMs) continue;
    const runs = runsOf(j);
    runs.forEach((r, i) => {
      if (isLostRun(j, i, runs.length) || !(r.endedAtMs > r.startedAtMs)) return;
      const m = (r.endedAtMs - r.startedAtMs) / 60_000;
      const price = byKey.get(instanceKey(j.runner, r.instanceId))?.price;
      if (!price) {
        unmapped += m;
        return;
      }
      const size = hostedSizeFor(price);
      tags.add(size.tag);
      minutes += m;
      usdTotal += hostedMinutesUsd(m, size);
    });
  }
  const on = tags.size > 0 ? ` on ${[...tags].sort().join(', ')}` : '';
  const skipped = unmapped > 0 ? `; ${unmapped.toFixed(1)} min on unpriced types left out` : '';
  return {
    usd: usdTotal,
    basis:
      `${minutes.toFixed(1)} run minute(s)${on} × cost factor × ` +
      `$${(GITLAB_HOSTED.usdPerComputeMinute * 1000).toFixed(0)}/1,000 compute minutes (GitLab.com, ${GITLAB_HOSTED.asOf})${skipped}`,
  };
}
