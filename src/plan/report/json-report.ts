/** `--json`: the plan as a stable, documented JSON document (version 1). */
import type { PlanResult } from '../replay/plan-result.js';

export interface PlanJson {
  version: 1;
  jobs: number;
  jobHours: number;
  vmHours: number;
  vmHoursPerMonth: number;
  busyVmHours: number;
  idleRatio: number;
  waitSeconds: { p50: number; p95: number; p99: number; max: number; mean: number };
  coldStarts: number;
  launches: number;
  interruptions: number;
  rerunJobs: number;
  failedJobs: number;
  costUsd: number;
  costPerMonthUsd: number;
  alwaysOnCostPerMonthUsd: number;
  alwaysOn: {
    instances: number;
    basis: string;
    onDemandPerMonthUsd: number;
    spotPerMonthUsd: number;
  };
  costByType: {
    instanceType: string;
    lifecycle: string;
    instances: number;
    vmHours: number;
    costUsd: number;
    costPerMonthUsd: number;
  }[];
  instanceType: string;
  region: string;
  lifecycle: string;
  span: {
    source: string;
    start: string;
    end: string;
    days: number;
    skippedJobs: number;
    /** With `--runner-tags`: the runner's tags and the jobs left to other runners. */
    runnerTags?: string[];
    runUntagged?: boolean;
    jobsForOtherRunners?: number;
  };
  settings: PlanResult['settings'];
  prices: {
    onDemandPerHourUsd: number;
    spotPerHourUsd: number;
    vcpu: number;
    memoryGiB: number;
    arch: string;
    asOf: string;
    source: string;
  };
  peaks: { instances: number; concurrentJobs: number; queuedJobs: number };
  assumptions: string[];
  explanations: string[];
  series: { at: string; instances: number; runningJobs: number; queuedJobs: number }[];
}

const round = (n: number, digits = 4): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

function moneyFields(
  r: PlanResult,
): Pick<
  PlanJson,
  'costUsd' | 'costPerMonthUsd' | 'alwaysOnCostPerMonthUsd' | 'alwaysOn' | 'costByType'
> {
  return {
    costUsd: round(r.costUsd),
    costPerMonthUsd: round(r.costPerMonthUsd),
    alwaysOnCostPerMonthUsd: round(r.alwaysOnCostPerMonthUsd),
    alwaysOn: {
      ...r.alwaysOn,
      onDemandPerMonthUsd: round(r.alwaysOn.onDemandPerMonthUsd),
      spotPerMonthUsd: round(r.alwaysOn.spotPerMonthUsd),
    },
    costByType: r.costByType.map((l) => ({
      ...l,
      vmHours: round(l.vmHours),
      costUsd: round(l.costUsd),
      costPerMonthUsd: round(l.costPerMonthUsd),
    })),
  };
}

function contextFields(r: PlanResult): Pick<PlanJson, 'span' | 'prices' | 'series'> {
  return {
    span: {
      source: r.history.source,
      start: new Date(r.history.startMs).toISOString(),
      end: new Date(r.history.startMs + r.history.spanMs).toISOString(),
      days: round(r.history.spanMs / 86_400_000, 3),
      skippedJobs: r.history.skipped,
      ...(r.history.routing
        ? {
            runnerTags: [...r.history.routing.tags],
            runUntagged: r.history.routing.runUntagged,
            jobsForOtherRunners: r.history.routing.jobsForOtherRunners,
          }
        : {}),
    },
    prices: {
      onDemandPerHourUsd: r.price.onDemandPerHourUsd,
      spotPerHourUsd: r.price.spotPerHourUsd,
      vcpu: r.price.vcpu,
      memoryGiB: r.price.memoryGiB,
      arch: r.price.arch,
      asOf: r.price.asOf,
      source: r.price.source,
    },
    series: r.series.map((p) => ({
      at: new Date(p.atMs).toISOString(),
      instances: p.instances,
      runningJobs: p.runningJobs,
      queuedJobs: p.queuedJobs,
    })),
  };
}

export function planToJson(r: PlanResult): PlanJson {
  const w = r.waitSeconds;
  return {
    version: 1,
    jobs: r.jobs,
    jobHours: round(r.jobHours),
    vmHours: round(r.vmHours),
    vmHoursPerMonth: round(r.vmHoursPerMonth),
    busyVmHours: round(r.busyVmHours),
    idleRatio: round(r.idleRatio),
    waitSeconds: {
      p50: round(w.p50, 1),
      p95: round(w.p95, 1),
      p99: round(w.p99, 1),
      max: round(w.max, 1),
      mean: round(w.mean, 1),
    },
    coldStarts: r.coldStarts,
    launches: r.launches,
    interruptions: r.interruptions,
    rerunJobs: r.rerunJobs,
    failedJobs: r.failedJobs,
    ...moneyFields(r),
    instanceType: r.settings.instanceType,
    region: r.settings.region,
    lifecycle: r.settings.lifecycle,
    settings: r.settings,
    peaks: {
      instances: r.peakInstances,
      concurrentJobs: r.peakConcurrentJobs,
      queuedJobs: r.peakQueuedJobs,
    },
    assumptions: r.assumptions,
    explanations: r.explanations,
    ...contextFields(r),
  };
}
