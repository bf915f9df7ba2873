/**
 * What the month's work would have cost otherwise (see money.ts): the same instance-hours
 * on-demand, an always-on fleet (always-on.ts) and GitLab.com's hosted runners
 * (gitlab-hosted.ts).
 */
import { alwaysOnCost } from '../../plan/cost/always-on.js';
import { GITLAB_HOSTED, hostedMinutesUsd, hostedSizeFor } from '../../plan/cost/gitlab-hosted.js';
import type { Arch, PriceTable } from '../../plan/prices/price-table.js';
import type { RecordedJob } from '../../runner/job-recorder.js';
import type { RecordedInstance } from './instance-tracker.js';
import {
  instanceKey,
  isLostRun,
  overlapMs,
  runsOf,
  type InstanceRuns,
  type Segment,
} from './money-timeline.js';

export interface Priced {
  inst: RecordedInstance;
  segments: Segment[];
  /** $/h as billed (spot or on-demand by lifecycle) and on-demand; absent when unpriced. */
  price?: { billed: number; onDemand: number; vcpu: number; arch: Arch };
}

export interface MoneySavings {
  actualUsd: number;
  onDemandUsd: number;
  alwaysOnUsd: number;
  gitlabHostedUsd: number;
  basis: { onDemand: string; alwaysOn: string; gitlabHosted: string };
}

export interface SavingsOptions {
  nowMs: number;
  prices: PriceTable;
  capacityPerInstance?: number;
  maxInstances?: number;
}

const H = 3_600_000;

function round(n: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Month to date from `fromMs` to `o.nowMs`. */
export function savings(
  priced: readonly Priced[],
  jobs: readonly RecordedJob[],
  /** runsByInstance(jobs). */
  byInstance: ReadonlyMap<string, InstanceRuns>,
  actualUsd: number,
  fromMs: number,
  o: SavingsOptions,
): MoneySavings {
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
  // The always-on fleet runs from the month's start, or from the first recorded instance when the
  // recording began later: spotrunner was not there to compare with before that.
  const firstMs = priced.reduce((m, p) => Math.min(m, p.inst.launchedAtMs), Infinity);
  const always = alwaysOnFor(jobs, byInstance, main, fromMs, Math.max(fromMs, firstMs), o);
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

/**
 * The most intervals open at once, from their starts and ends (an interval ending as another
 * starts does not overlap it: at the same time, ends come first).
 */
function peakOf(starts: Float64Array, ends: Float64Array): number {
  starts.sort();
  ends.sort();
  let open = 0;
  let peak = 0;
  for (let i = 0, j = 0; i < starts.length;) {
    if (starts[i]! < ends[j]!) {
      peak = Math.max(peak, ++open);
      i++;
    } else {
      open--;
      j++;
    }
  }
  return peak;
}

function peakOverlap(intervals: ReadonlyArray<{ startMs: number; endMs: number }>): number {
  return peakOf(
    Float64Array.from(intervals, (i) => i.startMs),
    Float64Array.from(intervals, (i) => i.endMs),
  );
}

function alwaysOnFor(
  jobs: readonly RecordedJob[],
  byInstance: ReadonlyMap<string, InstanceRuns>,
  main: [string, { hours: number; price: NonNullable<Priced['price']> }] | undefined,
  fromMs: number,
  runningSinceMs: number,
  o: SavingsOptions,
): { usd: number; basis: string } {
  if (!main) return { usd: 0, basis: 'no priced instance type this month' };
  const runs = runsIn(jobs, fromMs, o.nowMs);
  const capacity = o.capacityPerInstance ?? mostOnOneInstance(byInstance);
  const peak = peakOverlap(runs);
  const a = alwaysOnCost({
    peakConcurrentJobs: peak,
    capacityPerInstance: capacity,
    maxInstances: o.maxInstances ?? 0,
    onDemandPerHourUsd: main[1].price.onDemand,
    spotPerHourUsd: 0,
  });
  const hours = Math.max(0, o.nowMs - runningSinceMs) / H;
  const since = runningSinceMs > fromMs ? ' (since the first recorded instance)' : '';
  const inferred = o.capacityPerInstance === undefined ? ', the most seen on one instance' : '';
  return {
    usd: a.instances * hours * main[1].price.onDemand,
    basis:
      `${a.instances} × ${main[0]} on-demand for ${hours.toFixed(1)} h${since}; peak ${peak} concurrent ` +
      `job(s) / ${Math.max(1, capacity)} per instance${inferred}`,
  };
}

/** The most runs seen at once on one instance (at least 1), lost runs included. */
function mostOnOneInstance(runs: ReadonlyMap<string, InstanceRuns>): number {
  let most = 1;
  for (const { completed, lost } of runs.values()) {
    const all = [...completed, ...lost];
    most = Math.max(
      most,
      peakOf(
        Float64Array.from(all, ([s]) => s),
        Float64Array.from(all, ([, e]) => e),
      ),
    );
  }
  return most;
}

function gitlabHostedFor(
  priced: readonly Priced[],
  jobs: readonly RecordedJob[],
  fromMs: number,
  o: SavingsOptions,
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
      const recorded = byKey.get(instanceKey(j.runner, r.instanceId));
      // An instance whose record rotated out: the job names the type of its last one.
      const spec = recorded
        ? recorded.price
        : i === runs.length - 1 && j.instanceType
          ? o.prices.types[j.instanceType]
          : undefined;
      if (!spec) {
        unmapped += m;
        return;
      }
      const size = hostedSizeFor(spec);
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
