/**
 * An instance's billed time as a timeline of boot, busy, interruption and idle segments, so that
 * any period (a UTC day, a month) takes its share by overlap. See money.ts for what each kind
 * means. Runs come from the job records: a run is lost when a later run of the same job
 * followed it, or when it was the last and the job counted more interruptions than reruns.
 */
import type { RecordedJob, RecordedRun } from '../../runner/job-recorder.js';
import type { RecordedInstance } from './instance-tracker.js';

export type TimeKind = 'boot' | 'busy' | 'interruption' | 'idle';

export interface Segment {
  startMs: number;
  endMs: number;
  kind: TimeKind;
}

export interface InstanceRuns {
  completed: Array<[number, number]>;
  lost: Array<[number, number]>;
}

export const instanceKey = (runner: string, instanceId: string): string =>
  `${runner}/${instanceId}`;

/** A job's runs; lines written before runs were recorded have the last one only. */
export function runsOf(j: RecordedJob): RecordedRun[] {
  if (Array.isArray(j.runs)) return j.runs;
  if (!j.instanceId || j.startedAtMs === undefined) return [];
  return [{ instanceId: j.instanceId, startedAtMs: j.startedAtMs, endedAtMs: j.finishedAtMs }];
}

/** Whether run `i` of the job was lost to an interruption or the loss of its instance. */
export function isLostRun(j: RecordedJob, i: number, count: number): boolean {
  return i < count - 1 || j.interruptions > j.reruns;
}

/** Completed and lost run intervals per `runner/instanceId`. */
export function runsByInstance(jobs: readonly RecordedJob[]): Map<string, InstanceRuns> {
  const out = new Map<string, InstanceRuns>();
  for (const j of jobs) {
    const runs = runsOf(j);
    runs.forEach((run, i) => {
      if (!(run.endedAtMs > run.startedAtMs)) return;
      const key = instanceKey(j.runner, run.instanceId);
      let entry = out.get(key);
      if (!entry) out.set(key, (entry = { completed: [], lost: [] }));
      const list = isLostRun(j, i, runs.length) ? entry.lost : entry.completed;
      list.push([run.startedAtMs, run.endedAtMs]);
    });
  }
  return out;
}

const covers = (runs: ReadonlyArray<[number, number]>, a: number, b: number): boolean =>
  runs.some(([s, e]) => s <= a && e >= b);

/**
 * The segments of [launch, end): boot to ready (clamped to the billed span; the whole span when
 * it never got ready), then per moment busy (a completed run), interruption (a lost run, or the
 * tail after the last lost run when no completed run came later), else idle.
 */
export function instanceTimeline(
  inst: Pick<RecordedInstance, 'launchedAtMs' | 'readyAtMs'>,
  endMs: number,
  runs: InstanceRuns | undefined,
): Segment[] {
  const launch = inst.launchedAtMs;
  const end = Math.max(launch, endMs);
  const ready =
    inst.readyAtMs === undefined ? end : Math.min(end, Math.max(launch, inst.readyAtMs));
  const segments: Segment[] = [];
  const push = (startMs: number, stopMs: number, kind: TimeKind): void => {
    if (stopMs <= startMs) return;
    const last = segments.at(-1);
    if (last && last.kind === kind && last.endMs === startMs) last.endMs = stopMs;
    else segments.push({ startMs, endMs: stopMs, kind });
  };
  push(launch, ready, 'boot');
  const completed = runs?.completed ?? [];
  const lost = [...(runs?.lost ?? [])];
  const lastLostEnd = Math.max(-Infinity, ...lost.map(([, e]) => e));
  if (lost.length > 0 && !completed.some(([s]) => s >= lastLostEnd)) lost.push([lastLostEnd, end]);
  const cuts = new Set<number>([ready, end]);
  for (const [s, e] of [...completed, ...lost]) {
    if (s > ready && s < end) cuts.add(s);
    if (e > ready && e < end) cuts.add(e);
  }
  const points = [...cuts].sort((x, y) => x - y);
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const kind = covers(completed, a, b) ? 'busy' : covers(lost, a, b) ? 'interruption' : 'idle';
    push(a, b, kind);
  }
  return segments;
}

/** Milliseconds of each kind inside [fromMs, toMs). */
export function overlapMs(
  segments: readonly Segment[],
  fromMs: number,
  toMs: number,
): Record<TimeKind, number> {
  const out: Record<TimeKind, number> = { boot: 0, busy: 0, interruption: 0, idle: 0 };
  for (const s of segments) {
    const ms = Math.min(s.endMs, toMs) - Math.max(s.startMs, fromMs);
    if (ms > 0) out[s.kind] += ms;
  }
  return out;
}
