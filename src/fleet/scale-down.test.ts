import { describe, expect, it } from 'vitest';
import { planScaleDown, type ScaleDownCandidate } from './scale-down.js';

const c = (
  id: string,
  seq: number,
  idleSinceMs: number,
  extra: Partial<ScaleDownCandidate> = {},
) => ({
  id,
  seq,
  idleSinceMs,
  slotsInUse: 0,
  ready: true,
  removing: false,
  ...extra,
});

describe('planScaleDown', () => {
  const now = 10 * 60_000;
  const idleTimeMs = 5 * 60_000;

  it('removes the oldest instances first among those idle for longer than idle_time', () => {
    const list = [c('young', 9, 0), c('old', 1, 60_000), c('mid', 5, 0), c('fresh', 0, now - 1000)];
    expect(planScaleDown(list, { count: 2, nowMs: now, idleTimeMs })).toEqual(['old', 'mid']);
  });

  it('skips instances with slots in use, not ready, or already being removed', () => {
    const list = [
      c('busy', 1, 0, { slotsInUse: 1 }),
      c('booting', 2, 0, { ready: false }),
      c('going', 3, 0, { removing: true }),
      c('idle', 4, 0),
    ];
    expect(planScaleDown(list, { count: 5, nowMs: now, idleTimeMs })).toEqual(['idle']);
  });

  it('keeps instances whose idle clock restarted recently', () => {
    expect(
      planScaleDown([c('a', 1, now - idleTimeMs + 1)], { count: 1, nowMs: now, idleTimeMs }),
    ).toEqual([]);
    expect(
      planScaleDown([c('a', 1, now - idleTimeMs)], { count: 1, nowMs: now, idleTimeMs }),
    ).toEqual(['a']);
  });

  it('stops at the first instance not idle long enough when candidates are ordered by idle time', () => {
    const list = [c('a', 5, 0), c('b', 6, now), c('c', 1, 0)];
    expect(
      planScaleDown(list, { count: 3, nowMs: now, idleTimeMs, orderedByIdleSince: true }),
    ).toEqual(['a']);
    expect(planScaleDown(list, { count: 3, nowMs: now, idleTimeMs })).toEqual(['c', 'a']);
  });

  it('returns nothing for a non-positive count', () => {
    expect(planScaleDown([c('a', 1, 0)], { count: 0, nowMs: now, idleTimeMs })).toEqual([]);
  });
});
