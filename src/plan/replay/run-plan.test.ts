import { describe, expect, it } from 'vitest';
import { bundledPriceTable } from '../prices/price-table.js';
import { dayHistory, job, MIN, planConfig, T0, type FleetToml } from '../testing/plan-fixtures.js';
import { runPlan } from './run-plan.js';
import { scaledRunMs } from './replay.js';
import type { PlanFlags } from './plan-setup.js';

/** Fixed 60-s boots (sigma 0) and no interruptions unless asked: hand-computable answers. */
const STEADY: PlanFlags = { bootMedianMs: 60_000, bootSigma: 0, interruptionsPerInstanceHour: 0 };

function plan(jobs: ReturnType<typeof job>[], fleet: FleetToml = {}, flags: PlanFlags = {}) {
  return runPlan({
    config: planConfig(fleet),
    history: dayHistory(jobs),
    prices: bundledPriceTable(),
    flags: { ...STEADY, ...flags },
  });
}

describe('runPlan (replay through the fleet engine)', () => {
  it('one 10-minute job: one launch, a cold start of one boot, ~31 min billed', async () => {
    const r = await plan([job(T0 + 8 * 3_600_000, 10 * MIN)]);
    expect(r.launches).toBe(1);
    expect(r.coldStarts).toBe(1);
    expect(r.waitSeconds.p50).toBeGreaterThanOrEqual(60);
    expect(r.waitSeconds.p50).toBeLessThanOrEqual(63);
    expect(r.busyVmHours * 60).toBeCloseTo(10, 5);
    // boot 1 min + job 10 min + idle_time 20 min, removed on the next engine tick (≤1 min later)
    expect(r.vmRunHours * 60).toBeGreaterThanOrEqual(31);
    expect(r.vmRunHours * 60).toBeLessThanOrEqual(32.1);
    // per-second billing, 60-s minimum
    expect(r.vmHours * 3600).toBeCloseTo(Math.max(60, Math.ceil(r.vmRunHours * 3600 - 1e-6)), 6);
    expect(r.costUsd).toBeCloseTo(r.vmHours * 0.012, 9);
    expect(r.idleRatio).toBeCloseTo(1 - r.busyVmHours / r.vmRunHours, 9);
    expect(r.bootHours * 60).toBeCloseTo(1, 1);
  });

  it('bills an instance that lived less than a minute for the 60-s minimum', async () => {
    const r = await plan(
      [job(T0 + 3_600_000, 1000)],
      { idleTime: '1s', autoscaler: 'update_interval = "5s"' },
      { bootMedianMs: 10_000 },
    );
    expect(r.launches).toBe(1);
    expect(r.vmRunHours * 3600).toBeLessThan(30);
    expect(r.vmHours * 3600).toBeCloseTo(60, 6);
    expect(r.costUsd).toBeCloseTo((60 / 3600) * 0.012, 12);
  });

  it('projects the cost of a one-day history to a 730-hour month', async () => {
    const r = await plan([job(T0 + 3_600_000, 5 * MIN)]);
    expect(r.costPerMonthUsd).toBeCloseTo((r.costUsd * 730) / 24, 9);
    expect(r.vmHoursPerMonth).toBeCloseTo((r.vmHours * 730) / 24, 9);
  });

  it('reuses a warm instance within idle_time: no second launch, no second cold start', async () => {
    const r = await plan([job(T0 + 3_600_000, 5 * MIN), job(T0 + 3_600_000 + 10 * MIN, 5 * MIN)]);
    expect(r.launches).toBe(1);
    expect(r.coldStarts).toBe(1);
    expect(r.waitSeconds.max).toBeGreaterThanOrEqual(60);
    expect(r.waitSeconds.p50).toBeLessThan(62);
  });

  it('launches again after idle_time has removed the instance', async () => {
    const r = await plan([job(T0 + 3_600_000, 5 * MIN), job(T0 + 3 * 3_600_000, 5 * MIN)], {
      idleTime: '5m',
    });
    expect(r.launches).toBe(2);
    expect(r.coldStarts).toBe(2);
  });

  it('packs a burst onto instances by capacity_per_instance', async () => {
    const burst = [0, 1, 2, 3].map(() => job(T0 + 3_600_000, 5 * MIN));
    expect((await plan(burst, { capacity: 1 })).launches).toBe(4);
    const packed = await plan(burst, { capacity: 2 });
    expect(packed.launches).toBe(2);
    expect(packed.peakConcurrentJobs).toBe(4);
  });

  it('holds at most `concurrent` jobs: the second waits for the first to finish', async () => {
    const r = await plan([job(T0 + 3_600_000, 10 * MIN), job(T0 + 3_600_000, 10 * MIN)], {
      concurrent: 1,
    });
    expect(r.peakConcurrentJobs).toBe(1);
    expect(r.launches).toBe(1);
    expect(r.waitSeconds.max).toBeGreaterThanOrEqual(60 + 600);
    expect(r.assumptions.some((a) => a.includes('concurrent/limit (1) is below'))).toBe(true);
  });

  it("respects the runner's limit below concurrent", async () => {
    const burst = Array.from({ length: 6 }, () => job(T0 + 3_600_000, 5 * MIN));
    const r = await plan(burst, { concurrent: 10, limit: 2 });
    expect(r.peakConcurrentJobs).toBe(2);
    expect(r.peakInstances).toBe(2);
  });

  it('stretches a job that asks for more vCPUs than the instance has', async () => {
    const r = await plan([job(T0 + 3_600_000, 10 * MIN, { cpuRequest: 4 })]);
    expect(r.jobHours * 60).toBeCloseTo(20, 6);
    expect(scaledRunMs(job(0, 1000, { cpuRequest: 1 }), 2)).toBe(1000);
    expect(scaledRunMs(job(0, 1000, { cpuRequest: 8 }), 2)).toBe(4000);
  });

  it('never runs more instances than max_instances', async () => {
    const burst = Array.from({ length: 12 }, () => job(T0 + 3_600_000, 5 * MIN));
    const r = await plan(burst, { maxInstances: 3 });
    expect(r.peakInstances).toBe(3);
    expect(r.peakConcurrentJobs).toBe(3);
    expect(r.failedJobs).toBe(0);
  });

  it('keeps idle_count warm (preemptive): jobs start without a cold start, the instance is billed all day', async () => {
    const r = await plan([job(T0 + 3_600_000, 5 * MIN)], { idleCount: 1 });
    expect(r.settings.preemptiveMode).toBe(true);
    expect(r.coldStarts).toBe(0);
    expect(r.waitSeconds.max).toBeLessThanOrEqual(6);
    expect(r.vmRunHours).toBeGreaterThan(23.9);
  });

  it('limits a burst to the refill rate of the idle pool in preemptive mode, not with preemptive=false', async () => {
    const burst = Array.from({ length: 6 }, () => job(T0 + 3_600_000, 10 * MIN));
    const preemptive = await plan(burst, { idleCount: 1 });
    const eager = await runPlan({
      config: planConfig({ idleCount: 1 }),
      history: dayHistory(burst),
      prices: bundledPriceTable(),
      flags: STEADY,
      overrides: { preemptiveMode: false },
    });
    expect(eager.settings.preemptiveMode).toBe(false);
    expect(preemptive.waitSeconds.max).toBeGreaterThan(eager.waitSeconds.max + 60);
  });

  it('reruns jobs cut off by spot interruptions elsewhere, and fails them with interruption_mode "fail"', async () => {
    const jobs = Array.from({ length: 20 }, (_, i) => job(T0 + i * 3_600_000, 50 * MIN));
    const rerun = await plan(jobs, {}, { interruptionsPerInstanceHour: 3, seed: 4 });
    expect(rerun.interruptions).toBeGreaterThan(0);
    expect(rerun.rerunJobs).toBeGreaterThan(0);
    expect(rerun.jobs).toBe(20);
    const failed = await plan(
      jobs,
      { spotrunner: 'interruption_mode = "fail"' },
      { interruptionsPerInstanceHour: 3, seed: 4 },
    );
    expect(failed.rerunJobs).toBe(0);
    expect(failed.failedJobs).toBeGreaterThan(0);
  });

  it('prices on-demand capacity and never interrupts it', async () => {
    const r = await plan(
      [job(T0 + 3_600_000, 10 * MIN)],
      {},
      { lifecycle: 'on-demand', interruptionsPerInstanceHour: 5 },
    );
    expect(r.interruptions).toBe(0);
    expect(r.costUsd).toBeCloseTo(r.vmHours * 0.0336, 9);
    expect(r.costByType).toEqual([
      expect.objectContaining({ instanceType: 't4g.medium', lifecycle: 'on-demand', instances: 1 }),
    ]);
  });

  it('compares with always-on capacity for the observed peak', async () => {
    const burst = [0, 1, 2].map(() => job(T0 + 3_600_000, 5 * MIN));
    const r = await plan(burst, { capacity: 2 });
    expect(r.alwaysOn.instances).toBe(2);
    expect(r.alwaysOn.onDemandPerMonthUsd).toBeCloseTo(2 * 730 * 0.0336, 9);
    expect(r.alwaysOnCostPerMonthUsd).toBe(r.alwaysOn.spotPerMonthUsd);
  });

  it('is deterministic for a seed', async () => {
    const jobs = Array.from({ length: 30 }, (_, i) =>
      job(T0 + i * 900_000, (i % 7) * MIN + 30_000),
    );
    const a = await plan(jobs, {}, { interruptionsPerInstanceHour: 0.5, seed: 9 });
    const b = await plan(jobs, {}, { interruptionsPerInstanceHour: 0.5, seed: 9 });
    expect({ ...b, replayWallMs: 0 }).toEqual({ ...a, replayWallMs: 0 });
  });
});
