import { describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import { generateSyntheticHistory } from './synthetic.js';
import { parseSyntheticSpec } from './synthetic-spec.js';

const DAY_MS = 86_400_000;
const seed002 = parseSyntheticSpec('jobs=1682,cpu-hours=29,days=14,spiky=true');

function hoursPerDay(spec: string): number[] {
  const h = generateSyntheticHistory(parseSyntheticSpec(spec));
  const days = new Array<number>(14).fill(0);
  for (const j of h.jobs) {
    const d = Math.floor((j.queuedAtMs - h.spanStartMs!) / DAY_MS);
    if (d < 14) days[d]! += j.durationMs / 3_600_000;
  }
  return days;
}

describe('generateSyntheticHistory', () => {
  it('matches the job count and CPU-hour total', () => {
    const h = generateSyntheticHistory(seed002);
    expect(h.jobs).toHaveLength(1682);
    const hours = h.jobs.reduce((s, j) => s + j.durationMs, 0) / 3_600_000;
    expect(hours).toBeGreaterThan(29 * 0.995);
    expect(hours).toBeLessThan(29 * 1.005);
    expect(h.spanMs).toBe(14 * DAY_MS);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateSyntheticHistory(seed002);
    const b = generateSyntheticHistory(seed002);
    const c = generateSyntheticHistory({ ...seed002, seed: 2 });
    expect(b.jobs).toEqual(a.jobs);
    expect(c.jobs.map((j) => j.queuedAtMs)).not.toEqual(a.jobs.map((j) => j.queuedAtMs));
  });

  it('returns jobs sorted by queue time', () => {
    const { jobs } = generateSyntheticHistory(seed002);
    for (let i = 1; i < jobs.length; i++)
      expect(jobs[i]!.queuedAtMs).toBeGreaterThanOrEqual(jobs[i - 1]!.queuedAtMs);
  });

  it('puts most work in weekday working hours', () => {
    const { jobs } = generateSyntheticHistory(seed002);
    const inHours = jobs.filter((j) => {
      const d = new Date(j.queuedAtMs);
      const dow = d.getUTCDay();
      return dow >= 1 && dow <= 5 && d.getUTCHours() >= 8 && d.getUTCHours() < 20;
    });
    expect(inHours.length / jobs.length).toBeGreaterThan(0.75);
  });

  it('makes spiky days: the busiest day is several times the quietest weekday', () => {
    const days = hoursPerDay('jobs=1682,cpu-hours=29,days=14,spiky=true');
    const weekdays = days.filter((_, d) => d % 7 < 5);
    expect(Math.max(...weekdays)).toBeGreaterThan(4 * Math.min(...weekdays));
    expect(Math.min(...weekdays)).toBeLessThan(1);
    const flat = hoursPerDay('jobs=1682,cpu-hours=29,days=14,spiky=false').filter(
      (_, d) => d % 7 < 5,
    );
    expect(Math.max(...flat) / Math.min(...flat)).toBeLessThan(
      Math.max(...weekdays) / Math.min(...weekdays),
    );
  });

  it('queues pipeline jobs in bursts', () => {
    const { jobs } = generateSyntheticHistory(seed002);
    let burst = 0;
    for (let i = 1; i < jobs.length; i++)
      if (jobs[i]!.queuedAtMs - jobs[i - 1]!.queuedAtMs <= 3000) burst++;
    expect(burst / jobs.length).toBeGreaterThan(0.4);
  });

  it('has a long tail of durations', () => {
    const d = generateSyntheticHistory(seed002)
      .jobs.map((j) => j.durationMs)
      .sort((a, b) => a - b);
    const median = d[Math.floor(d.length / 2)]!;
    expect(d[d.length - 1]! / median).toBeGreaterThan(15);
  });
});

describe('parseSyntheticSpec', () => {
  it('reads keys with defaults', () => {
    expect(parseSyntheticSpec('jobs=10')).toMatchObject({
      jobs: 10,
      cpuHours: 10 / 60,
      days: 14,
      spiky: false,
      seed: 1,
    });
    expect(parseSyntheticSpec('jobs=5,cpu_hours=2,days=3,spiky=yes,seed=0,tz=-5')).toMatchObject({
      cpuHours: 2,
      days: 3,
      spiky: true,
      seed: 0,
      utcOffsetHours: -5,
    });
  });

  it('rejects unknown keys and bad values as user errors', () => {
    expect(() => parseSyntheticSpec('jobs=10,colour=red')).toThrow(UserError);
    expect(() => parseSyntheticSpec('cpu-hours=3')).toThrow(/needs jobs=N/);
    expect(() => parseSyntheticSpec('jobs=1.5')).toThrow(/positive integer/);
    expect(() => parseSyntheticSpec('jobs=3,spiky=maybe')).toThrow(/true or false/);
  });
});
