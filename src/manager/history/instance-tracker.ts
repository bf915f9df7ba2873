/**
 * Follows each runner's instances through fleet.status() polls and says when one is gone, with
 * its times: launched, ready, removed, and busy time (a job on it) sampled at each poll, so busy
 * seconds are exact to one poll interval per busy/idle change.
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
  bootS: number;
  busyS: number;
  idleS: number;
  interrupted: boolean;
  removalReason?: string;
  jobs: number;
}

interface Seen {
  view: FleetInstanceView;
  firstSeenMs: number;
  lastPollMs: number;
  busyMs: number;
  busy: boolean;
}

export interface InstanceTracker {
  /** One poll of a runner's instances; returns those gone since the last poll. */
  poll(runner: string, views: readonly FleetInstanceView[], nowMs: number): RecordedInstance[];
  /** Every instance still followed, as open records (the manager is stopping). */
  flush(nowMs: number): RecordedInstance[];
  /** Boot (launch to ready) of instances that became ready at this poll: for metrics. */
  readonly readied: Array<{ runner: string; bootMs: number }>;
}

export function createInstanceTracker(): InstanceTracker {
  const seen = new Map<string, Seen & { runner: string }>();
  const readied: Array<{ runner: string; bootMs: number }> = [];
  const lastRunnerPollMs = new Map<string, number>();
  const toRecord = (
    s: Seen & { runner: string },
    endMs: number,
    removed: boolean,
  ): RecordedInstance => {
    const v = s.view;
    const launchedAtMs = v.launchedAtMs ?? s.firstSeenMs;
    const billedMs = Math.max(0, endMs - launchedAtMs);
    const bootMs = Math.min(billedMs, Math.max(0, (v.readyAtMs ?? endMs) - launchedAtMs));
    const busyMs = Math.min(s.busyMs, billedMs - bootMs);
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
      busyS: busyMs / 1000,
      idleS: (billedMs - bootMs - busyMs) / 1000,
      interrupted: v.interruption !== undefined,
      ...(v.removalReason ? { removalReason: v.removalReason } : {}),
      jobs: v.useCount,
    };
  };
  return {
    readied,
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
          seen.set(v.id, {
            runner,
            view: v,
            firstSeenMs: nowMs,
            lastPollMs: nowMs,
            busyMs: 0,
            busy: v.slotsInUse > 0,
          });
          const fresh = since !== undefined && v.readyAtMs !== undefined && v.readyAtMs > since;
          if (fresh && v.launchedAtMs !== undefined)
            readied.push({ runner, bootMs: v.readyAtMs! - v.launchedAtMs });
          continue;
        }
        if (s.busy) s.busyMs += nowMs - s.lastPollMs;
        if (
          s.view.readyAtMs === undefined &&
          v.readyAtMs !== undefined &&
          v.launchedAtMs !== undefined
        )
          readied.push({ runner, bootMs: v.readyAtMs - v.launchedAtMs });
        s.view = {
          ...v,
          ...(s.view.interruption && !v.interruption ? { interruption: s.view.interruption } : {}),
        };
        s.busy = v.slotsInUse > 0;
        s.lastPollMs = nowMs;
      }
      const gone: RecordedInstance[] = [];
      for (const [id, s] of seen) {
        if (s.runner !== runner || present.has(id)) continue;
        if (s.busy) s.busyMs += nowMs - s.lastPollMs;
        seen.delete(id);
        gone.push(toRecord(s, nowMs, true));
      }
      return gone;
    },
    flush(nowMs) {
      const open = [...seen.values()].map((s) => {
        if (s.busy) s.busyMs += nowMs - s.lastPollMs;
        s.lastPollMs = nowMs;
        return toRecord(s, nowMs, false);
      });
      seen.clear();
      return open;
    },
  };
}
