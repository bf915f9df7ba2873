/**
 * `report --config`: what was realized beside what the plan engine makes of the same jobs with
 * the config's fleet settings. Realized figures come from the recording (instances launched in
 * the period, jobs finished in it); replayed ones from plan's PlanResult over those jobs.
 */
import type { PlanResult } from '../../plan/replay/plan-result.js';
import { summarize } from '../../plan/stats/percentiles.js';
import type { RecordedJob } from '../../runner/job-recorder.js';
import type { HistoryReport } from './history-report.js';
import { queuedAtOf } from './recorded-job-records.js';

/** One figure both ways; difference = replayed − realized. */
export interface Compared {
  realized: number;
  replayed: number;
  difference: number;
}

export interface ReplaySettings {
  runner: string;
  instanceType: string;
  lifecycle: string;
  region: string;
  capacityPerInstance: number;
  maxInstances: number;
  idleCount: number;
  idleTimeMs: number;
  bootMedianMs: number;
  interruptionsPerInstanceHour: number;
}

export interface ReplayComparison {
  settings: ReplaySettings;
  jobs: Compared;
  instances: Compared;
  costUsd: Compared;
  hours: { billed: Compared; boot: Compared; busy: Compared; idle: Compared };
  /** Queued (GitLab's queue time, else received) to first start on an instance. */
  queueWaitSeconds: { p50: Compared; p95: Compared };
  coldStarts: Compared;
  /** Only the recording has these: received to first start, and GitLab's pickup time. */
  realizedOnly: {
    instanceWaitSeconds: { p50: number; p95: number };
    pickupSeconds: { p50: number; p95: number };
    unpricedHours: number;
  };
  /** How the replay differs in method from what was recorded, one sentence each. */
  method: string[];
}

export interface RealizedWaits {
  queueWait: number[];
  instanceWait: number[];
  pickup: number[];
  coldStarts: number;
}

/** Waits of the jobs that ran, in seconds. */
export function realizedWaits(jobs: readonly RecordedJob[]): RealizedWaits {
  const out: RealizedWaits = { queueWait: [], instanceWait: [], pickup: [], coldStarts: 0 };
  for (const j of jobs) {
    if (j.startedAtMs === undefined) continue;
    const firstStart = j.receivedAtMs + (j.instanceWaitMs ?? j.startedAtMs - j.receivedAtMs);
    out.queueWait.push(Math.max(0, firstStart - queuedAtOf(j)) / 1000);
    if (j.instanceWaitMs !== undefined) out.instanceWait.push(j.instanceWaitMs / 1000);
    if (j.pickupMs !== undefined) out.pickup.push(j.pickupMs / 1000);
    if (j.coldStartMs !== undefined) out.coldStarts++;
  }
  return out;
}

const r6 = (n: number): number => Math.round(n * 1e6) / 1e6;

function compared(realized: number, replayed: number): Compared {
  return { realized: r6(realized), replayed: r6(replayed), difference: r6(replayed - realized) };
}

function p50p95(values: readonly number[]): { p50: number; p95: number } {
  const s = summarize(values);
  return { p50: r6(s.p50), p95: r6(s.p95) };
}

/** The differences in method that every comparison has, plus what the basis noted. */
function methodNotes(plan: PlanResult, basisNotes: readonly string[]): string[] {
  const s = plan.settings;
  return [
    ...basisNotes,
    `the replay runs every job on a simulated ${s.instanceType} ${s.lifecycle} fleet with the config's settings; realized cost prices each recorded instance by its own type and lifecycle`,
    'a replayed job lasts as long as its last recorded run; runs lost to interruptions are not replayed, the simulated cloud draws its own',
    `the replay sees a queued job on its next check_interval poll (${Math.round(s.checkIntervalMs / 1000)} s); realized waits run from GitLab's queue time (else receipt) to the first start on an instance`,
    'replayed billing is per second with a 60-s minimum and includes idle tails after the last job',
    'boot is launch to ready in both, but the simulated cloud boots in the recorded time and the engine then sees it on its next poll, so a replayed boot runs up to one poll longer',
  ];
}

export function compareWithReplay(
  realized: HistoryReport,
  jobs: readonly RecordedJob[],
  plan: PlanResult,
  basisNotes: readonly string[],
): ReplayComparison {
  const s = plan.settings;
  const waits = realizedWaits(jobs);
  const realizedQueue = summarize(waits.queueWait);
  const replayIdle = Math.max(0, plan.vmRunHours - plan.bootHours - plan.busyVmHours);
  return {
    settings: {
      runner: s.runner,
      instanceType: s.instanceType,
      lifecycle: s.lifecycle,
      region: s.region,
      capacityPerInstance: s.capacityPerInstance,
      maxInstances: s.maxInstances,
      idleCount: s.idleCount,
      idleTimeMs: s.idleTimeMs,
      bootMedianMs: s.bootMedianMs,
      interruptionsPerInstanceHour: r6(s.interruptionsPerInstanceHour),
    },
    jobs: compared(waits.queueWait.length, plan.jobs),
    instances: compared(realized.instances, plan.launches),
    costUsd: compared(realized.costUsd, plan.costUsd),
    hours: {
      billed: compared(realized.hours.billed, plan.vmHours),
      boot: compared(realized.hours.boot, plan.bootHours),
      busy: compared(realized.hours.busy, plan.busyVmHours),
      idle: compared(realized.hours.idle, replayIdle),
    },
    queueWaitSeconds: {
      p50: compared(realizedQueue.p50, plan.waitSeconds.p50),
      p95: compared(realizedQueue.p95, plan.waitSeconds.p95),
    },
    coldStarts: compared(waits.coldStarts, plan.coldStarts),
    realizedOnly: {
      instanceWaitSeconds: p50p95(waits.instanceWait),
      pickupSeconds: p50p95(waits.pickup),
      unpricedHours: realized.unpricedHours,
    },
    method: [
      ...methodNotes(plan, basisNotes),
      ...(realized.unpricedHours > 0
        ? [
            `${realized.unpricedHours.toFixed(2)} realized instance-hours are on types without a price (local, static): the realized cost leaves them out`,
          ]
        : []),
    ],
  };
}
