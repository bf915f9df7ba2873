/**
 * Replay throughput: synthetic jobs (Poisson arrivals, log-normal durations) through the very
 * engine `spotrunner plan` uses, on a VirtualClock with the sim provider. `plan` must replay up
 * to 1,000,000 jobs in ≤30 s on 2 cores, so the engine's share must stay well below that.
 */
import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../src/platform/clock.js';
import { silentLogger } from '../src/platform/logger.js';
import { SeededRandom } from '../src/platform/random.js';
import { createFleet, type FleetOptions } from '../src/fleet/index.js';
import { testFleetOptions } from '../src/fleet/testing/test-options.js';
import { createSimProvider } from '../src/providers/sim/sim-provider.js';
import type { BenchResult } from './bench-types.js';

export interface ReplayRun {
  jobs: number;
  wallMs: number;
  /** Process CPU time (user + system), a steadier figure than wall time on a shared machine. */
  cpuMs: number;
  launches: number;
  interruptions: number;
  meanWaitMs: number;
  jobsLost: number;
  costUsd: number;
}

/** Replays `jobs` jobs arriving `perHour` an hour, `durationMedianMs` long. */
export async function replaySynthetic(
  jobs: number,
  perHour: number,
  durationMedianMs: number,
  fleetOptions: FleetOptions,
): Promise<ReplayRun> {
  const clock = new VirtualClock();
  const rng = new SeededRandom(11);
  const sim = createSimProvider(
    { clock },
    { seed: 3, interruptionsPerInstanceHour: 0.05, recordInstances: false, deleteDelayMs: 5_000 },
  );
  const fleet = createFleet({ clock, logger: silentLogger, provider: sim }, fleetOptions);
  await fleet.start();
  let arrived = 0;
  let waitedMs = 0;
  let lost = 0;
  const meanGapMs = 3_600_000 / perHour;
  const arrive = (): void => {
    const id = arrived++;
    const key = `j${id}`;
    const at = clock.now();
    fleet.acquire(key).then(
      (acq) => {
        waitedMs += clock.now() - at;
        const duration = rng.logNormal(durationMedianMs, 0.8);
        // As plan does: a job whose instance is taken back ends early (and would be rerun).
        const end = clock.schedule(duration, () => fleet.release(key));
        acq.onAbort?.(() => {
          end();
          lost++;
          fleet.release(key);
        });
      },
      () => undefined,
    );
    if (arrived < jobs) clock.schedule(rng.exponential(meanGapMs), arrive);
  };
  const t0 = performance.now();
  const u0 = process.cpuUsage();
  arrive();
  const endMs = clock.now() + (jobs / perHour) * 3_600_000 + 6 * 3_600_000;
  await clock.runUntil(endMs);
  const wallMs = performance.now() - t0;
  const used = process.cpuUsage(u0);
  const cpuMs = (used.user + used.system) / 1000;
  await fleet.stop({ graceMs: 0 });
  const c = sim.counters();
  return {
    jobs: arrived,
    wallMs,
    cpuMs,
    launches: c.launches,
    interruptions: c.interruptions,
    meanWaitMs: waitedMs / Math.max(1, arrived),
    jobsLost: lost,
    costUsd: sim.costSummary().costUsd,
  };
}

/** The same arrivals and releases on the same clock with no fleet: the driver's own cost. */
async function replayBaselineCpuMs(
  jobs: number,
  perHour: number,
  durationMedianMs: number,
): Promise<number> {
  const clock = new VirtualClock();
  const rng = new SeededRandom(11);
  let arrived = 0;
  const meanGapMs = 3_600_000 / perHour;
  const held = new Set<string>();
  const arrive = (): void => {
    const key = `j${arrived++}`;
    void Promise.resolve(key).then((k) => {
      held.add(k);
      clock.schedule(rng.logNormal(durationMedianMs, 0.8), () => held.delete(k));
    });
    if (arrived < jobs) clock.schedule(rng.exponential(meanGapMs), arrive);
  };
  const u0 = process.cpuUsage();
  arrive();
  await clock.runUntil(clock.now() + (jobs / perHour) * 3_600_000 + 6 * 3_600_000);
  const used = process.cpuUsage(u0);
  return (used.user + used.system) / 1000;
}

export async function benchFleetReplay(): Promise<BenchResult> {
  const jobs = 200_000;
  const perHour = 1_500;
  const durationMs = 8 * 60_000;
  const options: FleetOptions = testFleetOptions({
    capacityPerInstance: 2,
    maxInstances: 400,
    policies: [
      { periods: ['* * * * *'], idleCount: 4, idleTimeMs: 10 * 60_000, preemptiveMode: false },
    ],
  });
  await replaySynthetic(20_000, perHour, durationMs, options); // JIT warm-up
  const run = await replaySynthetic(jobs, perHour, durationMs, options);
  const baselineMs = await replayBaselineCpuMs(jobs, perHour, durationMs);
  const perMillion = (ms: number): number => (ms / run.jobs) * 1_000;
  const projectedS = perMillion(run.cpuMs);
  return {
    name: 'fleet replay throughput (VirtualClock + sim)',
    target: '1,000,000 jobs through engine + sim + clock ≤20 s CPU (plan has 30 s in all)',
    ok: projectedS <= 20,
    figures: {
      jobs: run.jobs,
      cpuMs: Math.round(run.cpuMs),
      wallMs: Math.round(run.wallMs),
      projected1MJobsCpuS: projectedS,
      projected1MJobsWallS: perMillion(run.wallMs),
      clockAndDriverOnly1MJobsCpuS: perMillion(baselineMs),
      engineAndSimPerJobUs: ((run.cpuMs - baselineMs) / run.jobs) * 1000,
      launches: run.launches,
      interruptions: run.interruptions,
      jobsLost: run.jobsLost,
      meanWaitS: run.meanWaitMs / 1000,
      costUsd: run.costUsd,
    },
  };
}
