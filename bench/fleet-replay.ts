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
import { createSimProvider } from '../src/providers/sim/sim-provider.js';
import type { BenchResult } from './bench-types.js';

export interface ReplayRun {
  jobs: number;
  wallMs: number;
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
        acq.signal.addEventListener('abort', () => {
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
  arrive();
  const endMs = clock.now() + (jobs / perHour) * 3_600_000 + 6 * 3_600_000;
  await clock.runUntil(endMs);
  const wallMs = performance.now() - t0;
  await fleet.stop({ graceMs: 0 });
  const c = sim.counters();
  return {
    jobs: arrived,
    wallMs,
    launches: c.launches,
    interruptions: c.interruptions,
    meanWaitMs: waitedMs / Math.max(1, arrived),
    jobsLost: lost,
    costUsd: sim.costSummary().costUsd,
  };
}

export async function benchFleetReplay(): Promise<BenchResult> {
  const jobs = 200_000;
  const run = await replaySynthetic(jobs, 1_500, 8 * 60_000, {
    capacityPerInstance: 2,
    maxInstances: 400,
    policies: [
      { periods: ['* * * * *'], idleCount: 4, idleTimeMs: 10 * 60_000, preemptiveMode: false },
    ],
  });
  const perMillionS = ((run.wallMs / run.jobs) * 1_000_000) / 1000;
  return {
    name: 'fleet replay throughput (VirtualClock + sim)',
    target: 'engine share of a 1,000,000-job replay ≤15 s (half of plan’s 30 s budget)',
    ok: perMillionS <= 15,
    figures: {
      jobs: run.jobs,
      wallMs: Math.round(run.wallMs),
      jobsPerSecond: Math.round((run.jobs / run.wallMs) * 1000),
      projected1MJobsS: perMillionS,
      launches: run.launches,
      interruptions: run.interruptions,
      jobsLost: run.jobsLost,
      meanWaitS: run.meanWaitMs / 1000,
      costUsd: run.costUsd,
    },
  };
}
