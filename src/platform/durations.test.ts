import { describe, expect, it } from 'vitest';
import { formatDurationMs, parseDurationMs } from './durations.js';

describe('parseDurationMs', () => {
  it('reads Go-style durations as gitlab-runner writes them', () => {
    expect(parseDurationMs('20m0s')).toBe(1_200_000);
    expect(parseDurationMs('1h30m')).toBe(5_400_000);
    expect(parseDurationMs('500ms')).toBe(500);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('0s')).toBe(0);
    expect(parseDurationMs('-1s')).toBe(-1000);
  });

  it('takes a bare number as seconds', () => {
    expect(parseDurationMs(30)).toBe(30_000);
    expect(parseDurationMs('45')).toBe(45_000);
  });

  it('explains what it expected on garbage', () => {
    expect(() => parseDurationMs('twenty minutes')).toThrow(/expected a number with a unit/);
    expect(() => parseDurationMs('10x')).toThrow(/invalid duration/);
  });
});

describe('formatDurationMs', () => {
  it('prints like gitlab-runner', () => {
    expect(formatDurationMs(1_200_000)).toBe('20m0s');
    expect(formatDurationMs(900_000)).toBe('15m0s');
    expect(formatDurationMs(3_723_000)).toBe('1h2m3s');
    expect(formatDurationMs(450)).toBe('450ms');
  });
});
