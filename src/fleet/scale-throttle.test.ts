import { describe, expect, it } from 'vitest';
import { ScaleThrottle } from './scale-throttle.js';

describe('ScaleThrottle', () => {
  it('grants a full burst, then refills at the limit', () => {
    const t = new ScaleThrottle(2, 5, 0, 0);
    expect(t.take(8, 0)).toBe(5);
    expect(t.take(1, 0)).toBe(0);
    expect(t.waitMs(0)).toBe(500);
    expect(t.take(3, 1000)).toBe(2);
  });

  it('defaults to 100 per second with a burst of max_instances', () => {
    const t = new ScaleThrottle(0, 0, 30, 0);
    expect(t.take(50, 0)).toBe(30);
    expect(t.take(50, 100)).toBe(10);
  });

  it('is unlimited with a limit of -1', () => {
    const t = new ScaleThrottle(-1, 0, 0, 0);
    expect(t.take(10_000, 0)).toBe(10_000);
    expect(t.take(10_000, 0)).toBe(10_000);
    expect(t.waitMs(0)).toBe(0);
  });
});
