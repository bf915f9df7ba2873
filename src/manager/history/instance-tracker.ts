/**
 * Follows each runner's instances through fleet.status() polls and says when one is gone, with
 * its times: launched, ready, removed (first poll that finds it removing or gone), and busy time:
 * the union of the run intervals of the jobs that finished on it (exact, however short the jobs;
 * concurrent jobs on one instance count once).
 */
import type { FleetInstanceView } from '../../fleet/fleet.js';

export interface RecordedInstance {
  kind: 'instance';
  runner: string;
  instanceId: string;
  instanceType?: string;
  lifecycle?: string;
  launchedAtMs: number;
  readyAtMs?: number;
  /** Absent when the manager stopped with the instance still there (it may be adopted). */
  removedAtMs?: number;
  billedS: number;
  /** Launch to ready: the cloud's boot and spotrunner's ready-up together. */
  bootS: number;
  /**
   * The ready-up part of bootS: from running (as the fleet saw it; else the first poll that
   * found it running, to one poll interval) to ready; absent when that is not known.
   */
  readyUpS?: number;
  busyS: number;
  idleS: number;
  interrupted: boolean;
  removalReason?: string;
  jobs: number;
}

interface Seen {
  view: FleetInstanceView;
  firstSeenMs: number;
  /** The first poll that found it running (creating at an earlier poll). */
  polledRunningAtMs?: number;
  /** Run intervals [start, end] of the jobs that finished on it. */
  runs: Array<[number, number]>;
}

function unionMs(runs: ReadonlyArray<[number, number]>, fromMs: number, toMs: number): number {
  let total = 0;
  let end = fromMs;
  for (const [a, b] of [...runs].sort((x, y) => x[0] - y[0])) {
    const start = Math.max(a, end);
    const stop = Math.min(b, toMs);
    if (stop > start) total += stop - start;
    end = Math.max(end, Math.min(b, toMs));
  }
  return total;
}

/** Running as the fleet saw it, else as a poll saw it. */
function runningAt(s: Seen): number | undefined {
  return s.view.runningAtMs ?? s.polledRunningAtMs;
}

/** An instance that became ready: launch to ready, split at running when that is known. */
export interface Readied {
  runner: string;
  /** Launch to ready: the cloud's boot and spotrunner's ready-up together. */
  readyMs: number;
  /** Launch to running (the cloud's part). */
  bootMs?: number;
  /** Running to ready (SSH, instance_ready_command). */
  readyUpMs?: number;
}

function readiedOf(runner: string, s: Seen): Readied | undefined {
  const { launchedAtMs, readyAtMs } = s.view;
  if (launchedAtMs === undefined || readyAtMs === undefined) return undefined;
  const raw = runningAt(s);
  const running = raw === undefined ? undefined : Math.min(readyAtMs, Math.max(launchedAtMs, raw));
  return {
    runner,
    readyMs: readyAtMs - launchedAtMs,
    ...(running === undefined
      ? {}
      : { bootMs: running - launchedAtMs, readyUpMs: readyAtMs - running }),
  };
}

export interface InstanceTracker {
  /** A job ran on an instance from `startMs` to `endMs` (it just finished). */
  jobRan(runner: string, instanceId: string, startMs: number, endMs: number): void;
  /** One poll of a runner's instances; returns those gone since the last poll. */
  poll(runner: string, views: readonly FleetInstanceView[], nowMs: number): RecordedInstance[];
  /** Every instance still followed, as open records (the manager is stopping). */
  flush(nowMs: number): RecordedInstance[];
  /** Every instance still followed, as open records as of `nowMs`; follows them on (the dashboard). */
  snapshot(nowMs: number): RecordedInstance[];
  /** Boot (launch to ready) of instances that became ready at this poll: for metrics. */
  readonly readied: Readied[];
}

export function createInstanceTracker(): InstanceTracker {
  const seen = new Map<string, Seen & { runner: string }>();
  const readied: Readied[] = [];
  const lastRunnerPollMs = new Map<string, number>();
  /** Runs on instances not seen yet (launched and used between two polls). */
  const early = new Map<string, Array<[number, number]>>();
  const toRecord = (
    s: Seen & { runner: string },
    endMs: number,
    removed: boolean,
  ): RecordedInstance => {
    const v = s.view;
    const launchedAtMs = v.launchedAtMs ?? s.firstSeenMs;
    const billedMs = Math.max(0, endMs - launchedAtMs);
    const bootMs = Math.min(billedMs, Math.max(0, (v.readyAtMs ?? endMs) - launchedAtMs));
    const busyMs = unionMs(s.runs, launchedAtMs + bootMs, launchedAtMs + billedMs);
    return {
      kind: 'instance',
      runner: s.runner,
      instanceId: v.id,
      ...(v.instanceType ? { instanceType: v.instanceType } : {}),
      ...(v.lifecycle ? { lifecycle: v.lifecycle } : {}),
      launchedAtMs,
      ...(v.readyAtMs !== undefined ? { readyAtMs: v.readyAtMs } : {}),
      ...(removed ? { removedAtMs: endMs } : {}),
      billedS: billedMs / 1000,
      bootS: bootMs / 1000,
      ...(runningAt(s) !== undefined && v.readyAtMs !== undefined
        ? { readyUpS: Math.max(0, v.readyAtMs - runningAt(s)!) / 1000 }
        : {}),
      busyS: busyMs / 1000,
      idleS: (billedMs - bootMs - busyMs) / 1000,
      interrupted: v.interruption !== undefined,
      ...(v.removalReason ? { removalReason: v.removalReason } : {}),
      jobs: v.useCount,
    };
  };
  return {
    readied,
    jobRan(runner, instanceId, startMs, endMs) {
      const s = seen.get(instanceId);
      if (s && s.runner === runner) s.runs.push([startMs, endMs]);
      else early.set(instanceId, [...(early.get(instanceId) ?? []), [startMs, endMs]]);
    },
    poll(runner, views, nowMs) {
      readied.length = 0;
      const since = lastRunnerPollMs.get(runner);
      lastRunnerPollMs.set(runner, nowMs);
      const present = new Set<string>();
      for (const v of views) {
        if (v.status === 'removing') continue;
        present.add(v.id);
        const s = seen.get(v.id);
        if (!s) {
          const added = { runner, view: v, firstSeenMs: nowMs, runs: early.get(v.id) ?? [] };
          seen.set(v.id, added);
          early.delete(v.id);
          const fresh = since !== undefined && v.readyAtMs !== undefined && v.readyAtMs > since;
          const r = fresh ? readiedOf(runner, added) : undefined;
          if (r) readied.push(r);
          continue;
        }
        if (s.polledRunningAtMs === undefined && s.view.providerState === 'creating') {
          if (v.providerState === 'running')
            s.polledRunningAtMs = Math.min(nowMs, v.readyAtMs ?? nowMs);
        }
        const wasReady = s.view.readyAtMs !== undefined;
        s.view = {
          ...v,
          ...(s.view.interruption && !v.interruption ? { interruption: s.view.interruption } : {}),
        };
        const r = wasReady ? undefined : readiedOf(runner, s);
        if (r) readied.push(r);
      }
      const gone: RecordedInstance[] = [];
      for (const [id, s] of seen) {
        if (s.runner !== runner || present.has(id)) continue;
        seen.delete(id);
        gone.push(toRecord(s, nowMs, true));
      }
      return gone;
    },
    snapshot(nowMs) {
      return [...seen.values()].map((s) => toRecord(s, nowMs, false));
    },
    flush(nowMs) {
      const open = [...seen.values()].map((s) => toRecord(s, nowMs, false));
      seen.clear();
      early.clear();
      return open;
    },
  };
}
