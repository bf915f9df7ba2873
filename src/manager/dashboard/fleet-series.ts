/**
 * The dashboard's time series, derived from the recorded history (so they survive restarts)
 * plus the live fleet: per bucket, the average number of instances booting, idle and busy, and
 * of jobs waiting in GitLab's queue and for an instance (time-weighted, so a 10-second instance
 * counts in an hour bucket as 10/3600 of one, never missed between samples). The last point is
 * the live fleet as it is now, where `draining` shows too (the history does not say when an
 * instance began draining).
 */
import type { FleetInstanceView } from '../../fleet/fleet.js';
import type { RecordedJob } from '../../runner/job-recorder.js';
import type { RecordedInstance } from '../history/instance-tracker.js';

export type Interval = readonly [number, number];

export interface Buckets {
  fromMs: number;
  stepMs: number;
  count: number;
}

export const FLEET_STATES = ['booting', 'idle', 'busy', 'draining'] as const;
export type FleetState = (typeof FLEET_STATES)[number];

export interface SeriesPoint<K extends string> {
  /** The end of the bucket (or now, for the live point). */
  atMs: number;
  values: Record<K, number>;
}

/** A running job as the live status knows it (keyed `runner/jobId`): its instance, once it has one. */
export interface LiveJob {
  receivedAtMs: number;
  instanceId?: string;
}

export interface LiveInstance extends FleetInstanceView {
  runner: string;
}

/** Adds the part of [a, b) in each bucket, over the bucket's length, to `out`. */
export function addOverlap(out: number[], b: Buckets, [a, z]: Interval): void {
  const end = b.fromMs + b.stepMs * b.count;
  const from = Math.max(a, b.fromMs);
  const to = Math.min(z, end);
  if (to <= from) return;
  const first = Math.floor((from - b.fromMs) / b.stepMs);
  const last = Math.min(b.count - 1, Math.floor((to - 1 - b.fromMs) / b.stepMs));
  for (let k = first; k <= last; k++) {
    const s = Math.max(from, b.fromMs + k * b.stepMs);
    const e = Math.min(to, b.fromMs + (k + 1) * b.stepMs);
    if (e > s) out[k] = (out[k] ?? 0) + (e - s) / b.stepMs;
  }
}

/** The union of intervals clipped to [from, to), sorted and merged. */
export function unionWithin(runs: readonly Interval[], from: number, to: number): Interval[] {
  const out: Array<[number, number]> = [];
  for (const [a, z] of [...runs].sort((x, y) => x[0] - y[0])) {
    const s = Math.max(a, from);
    const e = Math.min(z, to);
    if (e <= s) continue;
    const last = out.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** [from, to) minus sorted, disjoint `busy`. */
function gaps(busy: readonly Interval[], from: number, to: number): Interval[] {
  const out: Interval[] = [];
  let at = from;
  for (const [a, z] of busy) {
    if (a > at) out.push([at, a]);
    at = Math.max(at, z);
  }
  if (to > at) out.push([at, to]);
  return out;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

function toPoints<K extends string>(
  b: Buckets,
  keys: readonly K[],
  sums: Record<K, number[]>,
): Array<SeriesPoint<K>> {
  return Array.from({ length: b.count }, (_, k) => ({
    atMs: b.fromMs + (k + 1) * b.stepMs,
    values: Object.fromEntries(keys.map((s) => [s, round3(sums[s][k] ?? 0)])) as Record<K, number>,
  }));
}

function liveState(v: FleetInstanceView): FleetState {
  if (v.status === 'draining' || v.status === 'removing') return 'draining';
  if (v.status !== 'ready') return 'booting';
  return v.slotsInUse > 0 ? 'busy' : 'idle';
}

/** Instances by state per bucket, then the live fleet at `nowMs`. */
export function fleetSeries(
  b: Buckets,
  nowMs: number,
  history: { jobs: readonly RecordedJob[]; instances: readonly RecordedInstance[] },
  live: { instances: readonly LiveInstance[]; jobs: ReadonlyMap<string, LiveJob> },
): Array<SeriesPoint<FleetState>> {
  const sums: Record<FleetState, number[]> = { booting: [], idle: [], busy: [], draining: [] };
  const runsOn = new Map<string, Interval[]>();
  const addRun = (k: string, run: Interval): void => {
    const list = runsOn.get(k);
    if (list) list.push(run);
    else runsOn.set(k, [run]);
  };
  // A run that ended before the first bucket changes no bucket (neither busy nor, clipped to
  // the buckets, the idle gaps around it): skipping it keeps a short window from keying every
  // run of the history.
  for (const j of history.jobs)
    for (const r of j.runs ?? [])
      if (r.endedAtMs >= b.fromMs)
        addRun(`${j.runner}/${r.instanceId}`, [r.startedAtMs, r.endedAtMs]);
  for (const v of live.instances) {
    for (const id of v.jobIds) {
      const job = live.jobs.get(`${v.runner}/${id}`);
      if (job) addRun(`${v.runner}/${v.id}`, [Math.max(job.receivedAtMs, v.readyAtMs ?? 0), nowMs]);
    }
  }
  for (const inst of history.instances) {
    const end = Math.min(nowMs, inst.removedAtMs ?? inst.launchedAtMs + inst.billedS * 1000);
    if (end < b.fromMs) continue;
    const ready = Math.min(end, inst.readyAtMs ?? end);
    addOverlap(sums.booting, b, [inst.launchedAtMs, ready]);
    const busy = unionWithin(runsOn.get(`${inst.runner}/${inst.instanceId}`) ?? [], ready, end);
    for (const run of busy) addOverlap(sums.busy, b, run);
    for (const gap of gaps(busy, ready, end)) addOverlap(sums.idle, b, gap);
  }
  const now: Record<FleetState, number> = { booting: 0, idle: 0, busy: 0, draining: 0 };
  for (const v of live.instances) now[liveState(v)]++;
  return [...toPoints(b, FLEET_STATES, sums), { atMs: nowMs, values: now }];
}

export const QUEUE_KINDS = ['gitlab', 'instance'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

/** The job's first start on an instance (its instance wait ends there). */
function firstStartMs(j: RecordedJob): number | undefined {
  return j.runs?.[0]?.startedAtMs ?? j.startedAtMs;
}

/**
 * Jobs waiting per bucket: in GitLab's queue (queued to picked up, known once picked up) and for
 * an instance (picked up to first start), then the live count at `nowMs`.
 */
export function queueSeries(
  b: Buckets,
  nowMs: number,
  jobs: readonly RecordedJob[],
  live: ReadonlyMap<string, LiveJob>,
): Array<SeriesPoint<QueueKind>> {
  const sums: Record<QueueKind, number[]> = { gitlab: [], instance: [] };
  for (const j of jobs) {
    if (j.finishedAtMs < b.fromMs) continue;
    if (j.queuedAtMs !== undefined) addOverlap(sums.gitlab, b, [j.queuedAtMs, j.receivedAtMs]);
    addOverlap(sums.instance, b, [j.receivedAtMs, firstStartMs(j) ?? j.finishedAtMs]);
  }
  let waiting = 0;
  for (const job of live.values()) {
    if (job.instanceId !== undefined) continue;
    waiting++;
    addOverlap(sums.instance, b, [job.receivedAtMs, nowMs]);
  }
  return [
    ...toPoints(b, QUEUE_KINDS, sums),
    { atMs: nowMs, values: { gitlab: 0, instance: waiting } },
  ];
}
