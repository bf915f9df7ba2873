/**
 * One fleet decision tick with 10,000 in-flight jobs on 2,000 instances: poll the (simulated)
 * provider, reconcile 2,000 instance records, decide and apply scaling. Between ticks 200 jobs
 * end and 200 start, so every tick sees fresh state. Target: ≤10 ms per tick.
 */
import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../src/platform/clock.js';
import { silentLogger } from '../src/platform/logger.js';
import { createFleet, type Acquisition } from '../src/fleet/index.js';
import { createSimProvider } from '../src/providers/sim/sim-provider.js';
import type { BenchResult } from './bench-types.js';

const INSTANCES = 2_000;
const JOBS = 10_000;
const CAPACITY = 5;
const TICKS = 300;
const CHURN = 200;
const UPDATE_INTERVAL_MS = 60_000;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

export async function benchFleetTick(): Promise<BenchResult> {
  const clock = new VirtualClock();
  const sim = createSimProvider(
    { clock },
    {
      seed: 1,
      maxSize: 10_000,
      bootTime: { medianMs: 30_000, sigma: 0, minMs: 0 },
      deleteDelayMs: 0,
    },
  );
  const fleet = createFleet(
    { clock, logger: silentLogger, provider: sim },
    {
      capacityPerInstance: CAPACITY,
      maxInstances: INSTANCES,
      updateIntervalMs: UPDATE_INTERVAL_MS,
      scaleThrottleLimitPerSec: -1,
      policies: [{ periods: ['* * * * *'], idleCount: 0, idleTimeMs: 30 * 60_000 }],
    },
  );
  await fleet.start();

  const setupStart = performance.now();
  const live: Acquisition[] = [];
  let next = 0;
  const acquireOne = (): void => {
    void fleet.acquire(`job-${next++}`).then((a) => live.push(a));
  };
  for (let i = 0; i < JOBS; i++) acquireOne();
  await clock.advance(2 * 60_000);
  const setupMs = performance.now() - setupStart;
  const instances = fleet.status().instances.length;

  const ticks: number[] = [];
  const churn: number[] = [];
  for (let t = 0; t < TICKS; t++) {
    const c0 = performance.now();
    for (let i = 0; i < CHURN; i++) fleet.release(live.shift()!.key);
    for (let i = 0; i < CHURN; i++) acquireOne();
    await Promise.resolve();
    churn.push(performance.now() - c0);
    const t0 = performance.now();
    await clock.advance(UPDATE_INTERVAL_MS);
    ticks.push(performance.now() - t0);
  }
  const s0 = performance.now();
  const status = fleet.status();
  const statusMs = performance.now() - s0;
  await fleet.stop({ graceMs: 0 });

  ticks.sort((a, b) => a - b);
  const p50 = percentile(ticks, 0.5);
  const p99 = percentile(ticks, 0.99);
  return {
    name: 'fleet decision tick (10k jobs on 2k instances)',
    target: '≤10 ms per tick (p99)',
    ok: p99 <= 10,
    figures: {
      instances,
      inFlightJobs: status.acquired,
      setupMs: Math.round(setupMs),
      tickP50Ms: p50,
      tickP99Ms: p99,
      tickMaxMs: ticks.at(-1) ?? Number.NaN,
      churn200JobsMs: churn.reduce((a, b) => a + b, 0) / churn.length,
      statusMs,
    },
  };
}
