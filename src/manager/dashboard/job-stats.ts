/**
 * The dashboard's job figures: p50/p95 of each wait phase over a window, the jobs table (running
 * and recent), and what spot interruptions cost and what was rescued. Only ids, names, times and
 * outcomes: a recorded job holds no token or variable, and neither does a row.
 */
import type { RecordedJob } from '../../runner/job-recorder.js';
import type { RecordedInstance } from '../history/instance-tracker.js';

/** Nearest-rank percentile (`p` in 0–100) of unsorted values; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export const WAIT_PHASES = [
  'pickup',
  'instanceWait',
  'coldStart',
  'boot',
  'readyUp',
  'imagePull',
] as const;
export type WaitPhase = (typeof WAIT_PHASES)[number];

export interface WaitStat {
  phase: WaitPhase;
  jobs: number;
  p50Ms?: number;
  p95Ms?: number;
}

/**
 * Over the jobs finished in the window: `pickup` (GitLab's queue, when it said), `instanceWait`
 * (picked up to first start) and `coldStart` (the part of instanceWait its instance spent booting;
 * 0 for a job whose instance was ready), split into `boot` (launch to running at the cloud) and
 * `readyUp` (running to ready) where the record has the split; `imagePull` (docker-autoscaler
 * jobs: pulling the job's and services' images, 0 when they were there).
 */
export function waitStats(jobs: readonly RecordedJob[]): WaitStat[] {
  const values = Object.fromEntries(WAIT_PHASES.map((p) => [p, [] as number[]])) as Record<
    WaitPhase,
    number[]
  >;
  for (const j of jobs) {
    if (j.pickupMs !== undefined) values.pickup.push(j.pickupMs);
    if (j.instanceWaitMs !== undefined) {
      values.instanceWait.push(j.instanceWaitMs);
      values.coldStart.push(j.coldStartMs ?? 0);
      // A cold start without the split is a record written before it was recorded.
      if (j.coldStartMs === undefined || j.bootMs !== undefined) {
        values.boot.push(j.bootMs ?? 0);
        values.readyUp.push(j.readyUpMs ?? 0);
      }
    }
    if (j.imagePullMs !== undefined) values.imagePull.push(j.imagePullMs);
  }
  return WAIT_PHASES.map((phase) => {
    const v = values[phase];
    const p50Ms = percentile(v, 50);
    const p95Ms = percentile(v, 95);
    return {
      phase,
      jobs: v.length,
      ...(p50Ms !== undefined ? { p50Ms } : {}),
      ...(p95Ms !== undefined ? { p95Ms } : {}),
    };
  });
}

export interface JobRow {
  id: number;
  project: string;
  name: string;
  runner: string;
  state: 'running' | 'finished';
  instanceId?: string;
  instanceType?: string;
  lifecycle?: string;
  receivedAtMs: number;
  pickupMs?: number;
  instanceWaitMs?: number;
  coldStartMs?: number;
  /** Received to finished, or to now while running. */
  durationMs: number;
  result?: string;
  reruns: number;
  interruptions: number;
}

export interface RunningJob {
  id: number;
  name: string;
  project: string;
  runner: string;
  receivedAtMs: number;
  instanceId?: string;
  instanceType?: string;
  lifecycle?: string;
}

function finishedRow(j: RecordedJob): JobRow {
  const opt = <K extends keyof RecordedJob>(k: K): Partial<Pick<RecordedJob, K>> =>
    j[k] !== undefined ? ({ [k]: j[k] } as Pick<RecordedJob, K>) : {};
  return {
    id: j.jobId,
    project: j.project,
    name: j.name,
    runner: j.runner,
    state: 'finished',
    ...opt('instanceId'),
    ...opt('instanceType'),
    ...opt('lifecycle'),
    receivedAtMs: j.receivedAtMs,
    ...opt('pickupMs'),
    ...opt('instanceWaitMs'),
    ...opt('coldStartMs'),
    durationMs: Math.max(0, j.finishedAtMs - j.receivedAtMs),
    result: j.result,
    reruns: j.reruns,
    interruptions: j.interruptions,
  };
}

/** Running jobs first (newest first), then the last `limit` finished ones, newest first. */
export function jobRows(
  finished: readonly RecordedJob[],
  running: readonly RunningJob[],
  nowMs: number,
  limit = 50,
): JobRow[] {
  const live: JobRow[] = [...running]
    .sort((a, b) => b.receivedAtMs - a.receivedAtMs)
    .map((r) => ({
      ...r,
      state: 'running',
      durationMs: Math.max(0, nowMs - r.receivedAtMs),
      reruns: 0,
      interruptions: 0,
    }));
  const done = [...finished]
    .sort((a, b) => b.finishedAtMs - a.finishedAtMs)
    .slice(0, limit)
    .map(finishedRow);
  return [...live, ...done];
}

export interface InterruptionSummary {
  /** Instances taken back (interrupted) that were launched in the window. */
  instancesInterrupted: number;
  /** Jobs finished in the window that lost at least one run to an interruption. */
  jobsInterrupted: number;
  /** Of those, the jobs whose rerun succeeded. */
  jobsRescued: number;
  /** Lost runs, summed. */
  runsLost: number;
  /** The interrupted jobs, newest first (at most 20). */
  jobs: Array<{ id: number; project: string; name: string; interruptions: number; result: string }>;
}

export function interruptionSummary(
  jobs: readonly RecordedJob[],
  instances: readonly RecordedInstance[],
): InterruptionSummary {
  const hit = jobs.filter((j) => j.interruptions > 0);
  return {
    instancesInterrupted: instances.filter((i) => i.interrupted).length,
    jobsInterrupted: hit.length,
    jobsRescued: hit.filter((j) => j.result === 'success').length,
    runsLost: hit.reduce((n, j) => n + j.interruptions, 0),
    jobs: [...hit]
      .sort((a, b) => b.finishedAtMs - a.finishedAtMs)
      .slice(0, 20)
      .map((j) => ({
        id: j.jobId,
        project: j.project,
        name: j.name,
        interruptions: j.interruptions,
        result: j.result,
      })),
  };
}
