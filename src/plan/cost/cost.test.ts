import { describe, expect, it } from 'vitest';
import { alwaysOnCost } from './always-on.js';
import { parseCostBand } from './explain-cost.js';
import { HOURS_PER_MONTH, projectPerMonth } from './projection.js';

describe('projectPerMonth', () => {
  it('scales a two-week figure to 730 hours', () => {
    expect(HOURS_PER_MONTH).toBe(730);
    expect(projectPerMonth(29, 14 * 86_400_000)).toBeCloseTo((29 * 730) / (14 * 24), 9);
    expect(projectPerMonth(5, 730 * 3_600_000)).toBe(5);
    expect(projectPerMonth(5, 0)).toBe(0);
  });
});

describe('alwaysOnCost', () => {
  const prices = { onDemandPerHourUsd: 0.0336, spotPerHourUsd: 0.012 };

  it('covers the peak concurrency with whole instances for 730 h', () => {
    const a = alwaysOnCost({
      peakConcurrentJobs: 5,
      capacityPerInstance: 2,
      maxInstances: 10,
      ...prices,
    });
    expect(a.instances).toBe(3);
    expect(a.onDemandPerMonthUsd).toBeCloseTo(3 * 730 * 0.0336, 9);
    expect(a.spotPerMonthUsd).toBeCloseTo(3 * 730 * 0.012, 9);
    expect(a.basis).toContain('peak 5 concurrent job(s) / 2 per instance');
  });

  it('keeps at least one instance and at most max_instances', () => {
    expect(
      alwaysOnCost({ peakConcurrentJobs: 0, capacityPerInstance: 1, maxInstances: 0, ...prices })
        .instances,
    ).toBe(1);
    expect(
      alwaysOnCost({ peakConcurrentJobs: 40, capacityPerInstance: 1, maxInstances: 10, ...prices })
        .instances,
    ).toBe(10);
  });
});

describe('parseCostBand', () => {
  it('reads 2-5, $2–$5 and 2..5', () => {
    for (const t of ['2-5', '$2–$5', '2..5', ' 2 - 5 '])
      expect(parseCostBand(t)).toMatchObject({ lowUsd: 2, highUsd: 5 });
    expect(parseCostBand('5-2')).toBeUndefined();
    expect(parseCostBand('cheap')).toBeUndefined();
  });
});
