/** The outcome of one replay: what every report (text, JSON, HTML, sweep) is made from. */
import type { AlwaysOnCost } from '../cost/always-on.js';
import type { InstancePrice } from '../prices/price-table.js';
import type { HistoryRouting } from '../history/job-record.js';
import type { Percentiles } from '../stats/percentiles.js';

export type PlanLifecycle = 'spot' | 'on-demand';

/** The fleet settings a replay ran with (after flags, config and sweep overrides). */
export interface PlanSettings {
  runner: string;
  instanceType: string;
  region: string;
  lifecycle: PlanLifecycle;
  capacityPerInstance: number;
  maxInstances: number;
  maxUseCount: number;
  /** Active policy values (the first catch-all policy when several are configured). */
  idleCount: number;
  idleTimeMs: number;
  preemptiveMode: boolean;
  /** Global `concurrent` and the runner's `limit` (0 = unlimited). */
  concurrent: number;
  limit: number;
  checkIntervalMs: number;
  /** Median and spread of the simulated boot time (creating → ready). */
  bootMedianMs: number;
  /** Spot interruptions per instance-hour in the simulated cloud. */
  interruptionsPerInstanceHour: number;
  seed: number;
}

/** One downsampled point of the fleet-over-time series. */
export interface SeriesPoint {
  atMs: number;
  /** Instances launched and not yet terminated (billed), maximum over the bucket. */
  instances: number;
  /** Jobs running, maximum over the bucket. */
  runningJobs: number;
  /** Jobs waiting (queued, picked up but not started), maximum over the bucket. */
  queuedJobs: number;
}

/** Where the replayed jobs came from and the span they are projected over. */
export interface HistoryMeta {
  source: string;
  jobs: number;
  skipped: number;
  startMs: number;
  spanMs: number;
  /** Set when only one runner's share of the history was replayed (`--runner-tags`). */
  routing?: HistoryRouting;
}

export interface CostLine {
  instanceType: string;
  lifecycle: PlanLifecycle;
  instances: number;
  vmHours: number;
  costUsd: number;
  costPerMonthUsd: number;
}

export interface PlanResult {
  settings: PlanSettings;
  price: InstancePrice;
  history: HistoryMeta;
  jobs: number;
  /** Sum of job run times (after CPU scaling), hours. */
  jobHours: number;
  /** Billed instance-hours (per second, 60-s minimum per instance). */
  vmHours: number;
  /** Instance-hours from launch to termination, without the minimum. */
  vmRunHours: number;
  /** Instance-hours spent booting (launch → ready). */
  bootHours: number;
  /** Instance-hours with at least one job on the instance. */
  busyVmHours: number;
  /** 1 − busy / run instance-hours. */
  idleRatio: number;
  waitSeconds: Percentiles;
  /** Jobs that waited for an instance to boot (acquire did not find a ready slot at once). */
  coldStarts: number;
  launches: number;
  /** Instances that received a spot termination notice (2 minutes before EC2 takes them). */
  interruptions: number;
  /** Jobs whose instance was taken back while they ran, and were rerun elsewhere. */
  rerunJobs: number;
  /** Jobs that did not finish (acquire timeout, rerun limit). */
  failedJobs: number;
  peakInstances: number;
  peakConcurrentJobs: number;
  peakQueuedJobs: number;
  costUsd: number;
  costPerMonthUsd: number;
  vmHoursPerMonth: number;
  costByType: CostLine[];
  alwaysOn: AlwaysOnCost;
  /** Always-on cost in the plan's own lifecycle (spot plan → spot always-on). */
  alwaysOnCostPerMonthUsd: number;
  series: SeriesPoint[];
  /** What the model assumes, one sentence each. */
  assumptions: string[];
  /** Why the figure is what it is, e.g. against an expected band. */
  explanations: string[];
  /** Wall-clock cost of the replay itself. */
  replayWallMs: number;
}
