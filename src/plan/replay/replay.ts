/**
 * Replays a job history through the real fleet engine (`createFleet`) on a VirtualClock, with
 * the simulated cloud (`createSimProvider`) standing in for EC2. One engine, two clocks: nothing
 * here decides scaling; it only feeds jobs in, the way a runner would, and reads the bill.
 */
import { createFleet, type FleetEngine, type FleetOptions } from '../../fleet/index.js';
import { VirtualClock } from '../../platform/clock.js';
import { silentLogger, type Logger } from '../../platform/logger.js';
import { createSimProvider, type SimProvider } from '../../providers/sim/sim-provider.js';
import type { SimBootTime } from '../../providers/sim/sim-options.js';
import type { JobRecord } from '../history/job-record.js';
import type { InstancePrice } from '../prices/price-table.js';
import { BootWatch } from './boot-watch.js';
import { ReplayMetrics } from './replay-metrics.js';
import { RunnerModel } from './runner-model.js';
import type { PlanLifecycle } from './plan-result.js';

export interface ReplayInput {
  /** Sorted by queue time. */
  jobs: readonly JobRecord[];
  startMs: number;
  spanMs: number;
  fleet: FleetOptions;
  price: InstancePrice;
  lifecycle: PlanLifecycle;
  bootTime: SimBootTime;
  interruptionsPerInstanceHour: number;
  seed: number;
  maxConcurrent: number;
  checkIntervalMs: number;
  interruptionMode: 'rerun' | 'fail';
  maxReruns: number;
  /** Series bucket width; default span/1000 rounded to a minute, at least a minute. */
  sampleIntervalMs?: number;
  logger?: Logger;
}

export interface ReplayOutcome {
  metrics: ReplayMetrics;
  sim: SimProvider;
  bootMs: number;
  /** Instances that received a spot termination notice. */
  interruptionNotices: number;
  /** Virtual time the replay stopped at (bills of live instances end here). */
  endMs: number;
  wallMs: number;
}

/** Job duration on the planned type: a job asking for more vCPUs than it has runs longer. */
export function scaledRunMs(job: JobRecord, vcpu: number): number {
  const cpu = job.cpuRequest;
  return cpu !== undefined && cpu > vcpu
    ? Math.round((job.durationMs * cpu) / vcpu)
    : job.durationMs;
}

function sampleInterval(input: ReplayInput): number {
  const raw = input.sampleIntervalMs ?? input.spanMs / 1000;
  return Math.max(60_000, Math.round(raw / 60_000) * 60_000);
}

/** Feeds jobs to the runner model at their poll instants (one timer at a time). */
function scheduleArrivals(
  clock: VirtualClock,
  jobs: readonly JobRecord[],
  ci: number,
  runner: RunnerModel,
): void {
  let next = 0;
  const arm = (): void => {
    if (next >= jobs.length) return;
    const pollAt = Math.ceil(jobs[next]!.queuedAtMs / ci) * ci;
    clock.schedule(pollAt - clock.now(), () => {
      const from = next;
      while (next < jobs.length && jobs[next]!.queuedAtMs <= pollAt) next++;
      runner.see(from, next);
      arm();
    });
  };
  arm();
}

/** Lets idle tails play out after the last job, until the fleet is empty or idle time passed. */
async function drainTail(
  clock: VirtualClock,
  sim: SimProvider,
  input: ReplayInput,
  endMs: number,
): Promise<void> {
  const policies = input.fleet.policies ?? [];
  const maxIdleMs = Math.max(5 * 60_000, ...policies.map((p) => p.idleTimeMs));
  const limit = Math.max(
    endMs,
    clock.now() + maxIdleMs + (input.fleet.updateIntervalMs ?? 60_000) + 120_000,
  );
  while (clock.now() < limit && sim.size > 0)
    await clock.runUntil(Math.min(limit, clock.now() + 60_000));
}

/** The simulated cloud: one instance type at the plan's prices, the plan's boots and interruptions. */
function createReplaySim(clock: VirtualClock, input: ReplayInput): SimProvider {
  return createSimProvider(
    { clock },
    {
      seed: input.seed,
      id: `plan/${input.price.region}`,
      instanceTypes: [
        {
          name: input.price.instanceType,
          vcpu: input.price.vcpu,
          memoryGiB: input.price.memoryGiB,
          arch: input.price.arch,
          spotPricePerHourUsd: input.price.spotPerHourUsd,
          onDemandPricePerHourUsd: input.price.onDemandPerHourUsd,
        },
      ],
      spotFraction: input.lifecycle === 'spot' ? 1 : 0,
      bootTime: input.bootTime,
      interruptionsPerInstanceHour: input.interruptionsPerInstanceHour,
      recordInstances: true,
    },
  );
}

export async function replayJobs(input: ReplayInput): Promise<ReplayOutcome> {
  const wallStart = performance.now();
  const clock = new VirtualClock(input.startMs);
  const sim = createReplaySim(clock, input);
  const watch = new BootWatch(sim, clock);
  const fleet: FleetEngine = createFleet(
    { clock, logger: input.logger ?? silentLogger, provider: watch },
    { ...input.fleet, deleteInstancesOnShutdown: false },
  );
  const metrics = new ReplayMetrics(input.jobs.length, input.startMs, sampleInterval(input));
  const instances = (): number => watch.billable;
  const watchInterruptions = input.interruptionsPerInstanceHour > 0 && input.lifecycle === 'spot';
  const runner: RunnerModel = new RunnerModel(
    { clock, fleet, metrics, runningSince: watch.runningSince, instances },
    {
      maxConcurrent: input.maxConcurrent,
      checkIntervalMs: input.checkIntervalMs,
      interruptionMode: input.interruptionMode,
      maxReruns: input.maxReruns,
      watchInterruptions,
      runMs: (job) => scaledRunMs(job, input.price.vcpu),
    },
    input.jobs,
  );
  await fleet.start();
  scheduleArrivals(clock, input.jobs, input.checkIntervalMs, runner);
  const bucketMs = sampleInterval(input);
  const endMs = input.startMs + input.spanMs;
  const sampler = (): void => {
    metrics.sample(clock.now(), watch.billable);
    if (clock.now() < endMs || !runner.done) clock.schedule(bucketMs, sampler);
  };
  clock.schedule(0, sampler);
  await clock.runUntil(endMs);
  const giveUpMs = endMs + 30 * 86_400_000;
  while (!runner.done && clock.now() < giveUpMs) await clock.runUntil(clock.now() + 3_600_000);
  await drainTail(clock, sim, input, endMs);
  const finalMs = clock.now();
  await fleet.stop({ graceMs: 0 });
  return {
    metrics,
    sim,
    bootMs: watch.bootMs,
    interruptionNotices: watch.noticed.size,
    endMs: finalMs,
    wallMs: performance.now() - wallStart,
  };
}
