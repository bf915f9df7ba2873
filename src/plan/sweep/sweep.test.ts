import { describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import { paretoFront } from './pareto.js';
import { recommend } from './recommend.js';
import { parseSweep, sweepCombinations } from './sweep-spec.js';

const pt = (label: string, costPerMonthUsd: number, p95WaitSeconds: number, failedJobs = 0) => ({
  label,
  costPerMonthUsd,
  p95WaitSeconds,
  failedJobs,
});

describe('paretoFront', () => {
  it('keeps the points nothing beats on both cost and wait', () => {
    const points = [
      pt('a', 2, 90),
      pt('b', 3, 40),
      pt('c', 3, 50),
      pt('d', 8, 5),
      pt('e', 9, 5),
      pt('f', 2, 90),
    ];
    expect(paretoFront(points)).toEqual([true, true, false, true, false, true]);
  });
});

describe('recommend', () => {
  it('picks the cheapest setting that meets the p95 target and says why', () => {
    const rows = [
      pt('idle_time=60m', 9, 20),
      pt('idle_time=20m', 5, 55),
      pt('idle_time=5m', 3, 75),
    ];
    const r = recommend(rows, 60);
    expect(r.index).toBe(1);
    expect(r.meetsTarget).toBe(true);
    expect(r.reason).toContain(
      'idle_time=20m is the cheapest of 2 setting(s) with p95 wait ≤ 60 s',
    );
    expect(r.reason).toContain('the next cheaper, idle_time=5m at $3.00/month, has p95 75 s');
  });

  it('skips settings that failed jobs', () => {
    const r = recommend([pt('a', 1, 10, 3), pt('b', 2, 10)], 60);
    expect(r.index).toBe(1);
  });

  it('falls back to the lowest wait when nothing meets the target', () => {
    const r = recommend([pt('a', 1, 90), pt('b', 2, 70)], 60);
    expect(r).toMatchObject({ index: 1, meetsTarget: false });
    expect(r.reason).toContain('no setting meets p95 wait ≤ 60 s; b comes closest');
  });
});

describe('parseSweep', () => {
  it('uses idle_time × idle_count × capacity by default', () => {
    const dims = parseSweep([]);
    expect(dims.map((d) => d.key)).toEqual(['idle_time', 'idle_count', 'capacity']);
    expect(sweepCombinations(dims)).toHaveLength(16);
  });

  it('builds every combination with overrides and labels', () => {
    const combos = sweepCombinations(parseSweep(['idle_time=0m,5m', 'type=t4g.medium,c7g.large']));
    expect(combos).toHaveLength(4);
    expect(combos[3]).toEqual({
      label: 'idle_time=5m type=c7g.large',
      values: { idle_time: '5m', type: 'c7g.large' },
      overrides: { idleTimeMs: 300_000, instanceType: 'c7g.large' },
    });
  });

  it('sweeps preemptive_mode separately from idle_count', () => {
    const combos = sweepCombinations(parseSweep(['idle_count=1', 'preemptive=false,true']));
    expect(combos.map((c) => c.overrides)).toEqual([
      { idleCount: 1, preemptiveMode: false },
      { idleCount: 1, preemptiveMode: true },
    ]);
    expect(() => parseSweep(['preemptive=maybe'])).toThrow(/true or false/);
  });

  it('rejects unknown settings, missing values and bad numbers', () => {
    expect(() => parseSweep(['colour=red'])).toThrow(UserError);
    expect(() => parseSweep(['capacity'])).toThrow(/give values/);
    expect(() => parseSweep(['capacity=0'])).toThrow(/whole number ≥ 1/);
    expect(() => parseSweep(['idle_time=soon'])).toThrow(/invalid duration/);
    expect(() => parseSweep(['capacity=1', 'capacity=2'])).toThrow(/twice/);
  });
});
