/**
 * `/api/dashboard`: everything the page shows, computed per request from the history window and
 * the manager's live status. Counts, names, ids, times and money; never a token or a variable.
 */
import type { ManagerStatus } from '../manager.js';
import type { DashboardMoney } from './dashboard-money.js';
import type { RecordedHistory } from '../history/read-history.js';
import {
  fleetSeries,
  queueSeries,
  type Buckets,
  type FleetState,
  type LiveInstance,
  type LiveJob,
  type QueueKind,
  type SeriesPoint,
} from './fleet-series.js';
import {
  interruptionSummary,
  jobRows,
  waitStats,
  type InterruptionSummary,
  type JobRow,
  type RunningJob,
  type WaitStat,
} from './job-stats.js';

const MIN = 60_000;
/** The windows the page offers: buckets of the same length, the last one ending now. */
export const WINDOWS = {
  '1h': { stepMs: MIN, count: 60 },
  '6h': { stepMs: 5 * MIN, count: 72 },
  '24h': { stepMs: 15 * MIN, count: 96 },
  '7d': { stepMs: 120 * MIN, count: 84 },
} as const;
export type WindowName = keyof typeof WINDOWS;

export function isWindowName(s: string | undefined): s is WindowName {
  return s !== undefined && Object.hasOwn(WINDOWS, s);
}

export interface DashboardData {
  nowMs: number;
  window: WindowName;
  state: string;
  runners: Array<{ name: string; state: string; instances: number; jobsRunning: number }>;
  fleet: Array<SeriesPoint<FleetState>>;
  queue: Array<SeriesPoint<QueueKind>>;
  waits: WaitStat[];
  jobs: JobRow[];
  interruptions: InterruptionSummary;
  /** Money over the history window (money.ts), or why there is none. */
  money: DashboardMoney;
}

export interface DashboardInput {
  nowMs: number;
  window: WindowName;
  status: Pick<ManagerStatus, 'state' | 'runners'>;
  history: RecordedHistory;
  money: (history: RecordedHistory, nowMs: number) => DashboardMoney;
}

/** The live instances and running jobs of every runner. */
export function liveFleet(status: Pick<ManagerStatus, 'runners'>): {
  instances: LiveInstance[];
  jobs: Map<string, LiveJob>;
  running: RunningJob[];
} {
  const instances: LiveInstance[] = [];
  const jobs = new Map<string, LiveJob>();
  const running: RunningJob[] = [];
  for (const r of status.runners) {
    const views = r.fleet?.instances ?? [];
    for (const v of views) instances.push({ ...v, runner: r.name });
    for (const job of r.loop?.running ?? []) {
      const on = views.find((v) => v.jobIds.includes(job.id));
      jobs.set(`${r.name}/${job.id}`, {
        receivedAtMs: job.startedAtMs,
        ...(on ? { instanceId: on.id } : {}),
      });
      running.push({
        id: job.id,
        name: job.name,
        project: job.project,
        runner: r.name,
        receivedAtMs: job.startedAtMs,
        ...(on ? { instanceId: on.id } : {}),
        ...(on?.instanceType ? { instanceType: on.instanceType } : {}),
        ...(on?.lifecycle ? { lifecycle: on.lifecycle } : {}),
      });
    }
  }
  return { instances, jobs, running };
}

export function buildDashboard(input: DashboardInput): DashboardData {
  const { nowMs, history } = input;
  const { stepMs, count } = WINDOWS[input.window];
  const buckets: Buckets = { fromMs: nowMs - stepMs * count, stepMs, count };
  const live = liveFleet(input.status);
  const inWindow = history.jobs.filter((j) => j.finishedAtMs >= buckets.fromMs);
  const aliveInWindow = history.instances.filter((i) => (i.removedAtMs ?? nowMs) >= buckets.fromMs);
  return {
    nowMs,
    window: input.window,
    state: input.status.state,
    runners: input.status.runners.map((r) => ({
      name: r.name,
      state: r.state,
      instances: r.fleet?.instances.length ?? 0,
      jobsRunning: r.loop?.running.length ?? 0,
    })),
    fleet: fleetSeries(buckets, nowMs, history, live),
    queue: queueSeries(buckets, nowMs, history.jobs, live.jobs),
    waits: waitStats(inWindow),
    jobs: jobRows(history.jobs, live.running, nowMs),
    interruptions: interruptionSummary(inWindow, aliveInWindow),
    money: input.money(history, nowMs),
  };
}
