import { describe, expect, it } from 'vitest';
import { percentile, summarize } from './percentiles.js';

describe('percentile', () => {
  it('interpolates between closest ranks', () => {
    const v = [10, 20, 30, 40];
    expect(percentile(v, 0)).toBe(10);
    expect(percentile(v, 50)).toBe(25);
    expect(percentile(v, 100)).toBe(40);
    expect(percentile(v, 95)).toBeCloseTo(38.5, 9);
  });

  it('handles empty and single-value lists', () => {
    expect(percentile([], 95)).toBe(0);
    expect(percentile([7], 99)).toBe(7);
  });
});

describe('summarize', () => {
  it('sorts a copy and reports p50/p95/p99/max/mean', () => {
    const values = Array.from({ length: 101 }, (_, i) => 100 - i);
    const s = summarize(values);
    expect(s).toEqual({ p50: 50, p95: 95, p99: 99, max: 100, mean: 50 });
    expect(values[0]).toBe(100);
  });

  it('is all zeros for no values', () => {
    expect(summarize([])).toEqual({ p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
  });
});
