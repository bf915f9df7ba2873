import { describe, expect, it } from 'vitest';
import { computeIdleTarget } from './idle-target.js';

const policy = (idleCount: number, scaleFactor = 0, scaleFactorLimit = 0) => ({
  idleCount,
  scaleFactor,
  scaleFactorLimit,
});

describe('computeIdleTarget', () => {
  it('is idle_count when there is no scale factor', () => {
    expect(computeIdleTarget(policy(5), 40)).toBe(5);
    expect(computeIdleTarget(policy(0), 40)).toBe(0);
  });

  it('grows with the jobs in use, rounded up', () => {
    expect(computeIdleTarget(policy(0, 0.5), 5)).toBe(3);
    expect(computeIdleTarget(policy(0, 0.1), 1)).toBe(1);
  });

  it('never goes below idle_count', () => {
    expect(computeIdleTarget(policy(4, 0.5), 2)).toBe(4);
    expect(computeIdleTarget(policy(4, 0.5), 20)).toBe(10);
  });

  it('caps the scale-factor part at scale_factor_limit but keeps idle_count as the floor', () => {
    expect(computeIdleTarget(policy(2, 1, 6), 100)).toBe(6);
    expect(computeIdleTarget(policy(8, 1, 6), 100)).toBe(8);
  });

  it('treats a zero limit as no cap', () => {
    expect(computeIdleTarget(policy(0, 1, 0), 100)).toBe(100);
  });
});
