/** Turns a replay's raw counters and the sim's bill into the PlanResult every report uses. */
import { alwaysOnCost } from '../cost/always-on.js';
import { HOURS_PER_MONTH, projectPerMonth } from '../cost/projection.js';
import { formatDurationMs } from '../../platform/durations.js';
import { summarize } from '../stats/percentiles.js';
import type { HistoryMeta, PlanResult } from './plan-result.js';
import type { ReplayOutcome } from './replay.js';
import type { PlanSetup } from './plan-setup.js';

const HOUR_MS = 3_600_000;

function waitSeconds(waitsMs: Float64Array): PlanResult['waitSeconds'] {
  const seconds: number[] = [];
  for (const w of waitsMs) if (!Number.isNaN(w)) seconds.push(w / 1000);
  return summarize(seconds);
}

/** What the model assumes, stated once per report. */
export function planAssumptions(setup: PlanSetup, history: HistoryMeta): string[] {
  const s = setup.settings;
  const out = [
    `history span ${(history.spanMs / 86_400_000).toFixed(1)} days projected to a month of ${HOURS_PER_MONTH} h`,
    `EC2 Linux billing: per second with a 60-s minimum per instance; interrupted spot instances billed for the seconds used`,
    `prices: ${setup.price.instanceType} in ${setup.price.region} $${setup.price.spotPerHourUsd}/h spot, $${setup.price.onDemandPerHourUsd}/h on-demand (${setup.price.source}, as of ${setup.price.asOf})`,
    `instances boot in ~${formatDurationMs(s.bootMedianMs)} (log-normal, sigma ${setup.bootTime.sigma}); the fleet engine polls the cloud every update_interval (2 s while expecting a change)`,
    `the runner sees a queued job on its next check_interval poll (${formatDurationMs(s.checkIntervalMs)}) and holds at most min(concurrent, limit) = ${setup.maxConcurrent} job(s)`,
    `jobs run as long as they did in the history; a job asking for more vCPUs than ${setup.price.instanceType} has (${setup.price.vcpu}) runs proportionally longer; jobs sharing an instance do not slow each other`,
    s.lifecycle === 'spot'
      ? `spot interruptions at ${s.interruptionsPerInstanceHour} per instance-hour; an interrupted job is ${setup.interruptionMode === 'rerun' ? `rerun from the start (max_reruns ${setup.maxReruns})` : 'failed'}`
      : 'on-demand instances: no interruptions',
    'not included: EBS volumes, data transfer, the manager host, burstable CPU credits (T families in unlimited mode)',
  ];
  if (history.routing) {
    out.push(
      `only the jobs a runner with tags [${history.routing.tags.join(', ')}] takes are replayed (every job tag among the runner's; untagged jobs ${history.routing.runUntagged ? 'taken' : 'not taken'}); ${history.routing.jobsForOtherRunners} job(s) are left to other runners, which share no instances with this one`,
    );
  }
  const slots =
    s.capacityPerInstance * (s.maxInstances > 0 ? s.maxInstances : Number.POSITIVE_INFINITY);
  if (setup.maxConcurrent < slots) {
    out.push(
      `concurrent/limit (${setup.maxConcurrent}) is below max_instances × capacity_per_instance (${slots}): the fleet never runs more than ${setup.maxConcurrent} job(s) at once`,
    );
  }
  return out;
}

export function buildPlanResult(
  setup: PlanSetup,
  history: HistoryMeta,
  outcome: ReplayOutcome,
): PlanResult {
  const { metrics, sim } = outcome;
  const summary = sim.costSummary(outcome.endMs);
  let runMs = 0;
  for (const r of sim.billing(outcome.endMs)) runMs += r.endMs - r.startMs;
  const vmRunHours = runMs / HOUR_MS;
  const busyVmHours = metrics.busyMs / HOUR_MS;
  const counters = sim.counters();
  const s = setup.settings;
  const alwaysOn = alwaysOnCost({
    peakConcurrentJobs: metrics.peakRunning,
    capacityPerInstance: s.capacityPerInstance,
    maxInstances: s.maxInstances,
    onDemandPerHourUsd: setup.price.onDemandPerHourUsd,
    spotPerHourUsd: setup.price.spotPerHourUsd,
  });
  const span = history.spanMs;
  return {
    settings: s,
    price: setup.price,
    history,
    jobs: history.jobs,
    jobHours: metrics.jobMs / HOUR_MS,
    vmHours: summary.instanceHours,
    vmRunHours,
    bootHours: outcome.bootMs / HOUR_MS,
    busyVmHours,
    idleRatio: vmRunHours > 0 ? Math.max(0, 1 - busyVmHours / vmRunHours) : 0,
    waitSeconds: waitSeconds(metrics.waitsMs),
    coldStarts: metrics.coldStarts,
    launches: counters.launches,
    interruptions: outcome.interruptionNotices,
    rerunJobs: metrics.reruns,
    failedJobs: metrics.failed,
    peakInstances: metrics.peakInstances,
    peakConcurrentJobs: metrics.peakRunning,
    peakQueuedJobs: metrics.peakQueued,
    costUsd: summary.costUsd,
    costPerMonthUsd: projectPerMonth(summary.costUsd, span),
    vmHoursPerMonth: projectPerMonth(summary.instanceHours, span),
    costByType: summary.lines.map((l) => ({
      instanceType: l.instanceType,
      lifecycle: l.lifecycle,
      instances: l.instances,
      vmHours: l.instanceHours,
      costUsd: l.costUsd,
      costPerMonthUsd: projectPerMonth(l.costUsd, span),
    })),
    alwaysOn,
    alwaysOnCostPerMonthUsd:
      s.lifecycle === 'spot' ? alwaysOn.spotPerMonthUsd : alwaysOn.onDemandPerMonthUsd,
    series: metrics.series(),
    assumptions: planAssumptions(setup, history),
    explanations: [],
    replayWallMs: outcome.wallMs,
  };
}
