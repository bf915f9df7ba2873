import { beforeAll, describe, expect, it } from 'vitest';
import { bundledPriceTable } from '../prices/price-table.js';
import type { PlanResult } from '../replay/plan-result.js';
import { runPlan, type PlanInput } from '../replay/run-plan.js';
import { runSweep, type SweepResult } from '../sweep/run-sweep.js';
import { formatSweepText, sweepToJson } from '../sweep/sweep-report.js';
import { parseSweep } from '../sweep/sweep-spec.js';
import { dayHistory, job, MIN, planConfig, T0 } from '../testing/plan-fixtures.js';
import { renderHtmlReport } from './html-report.js';
import { planToJson } from './json-report.js';
import { formatTextReport } from './text-report.js';
import { niceScale } from './svg-chart.js';

let plan: PlanResult;
let sweep: SweepResult;
const progress: string[] = [];

beforeAll(async () => {
  const jobs = Array.from({ length: 40 }, (_, i) =>
    job(T0 + 8 * 3_600_000 + i * 7 * MIN, (3 + (i % 5)) * MIN),
  );
  const input: PlanInput = {
    config: planConfig(),
    history: dayHistory(jobs),
    prices: bundledPriceTable(),
    flags: { interruptionsPerInstanceHour: 0 },
    expected: { lowUsd: 0.01, highUsd: 0.02, label: 'test band' },
  };
  plan = await runPlan(input);
  sweep = await runSweep(input, parseSweep(['idle_time=1m,20m', 'idle_count=0,1']), 60, (p) =>
    progress.push(`${p.done}/${p.total}`),
  );
});

describe('planToJson', () => {
  it('has the documented fields with consistent values', () => {
    const j = planToJson(plan);
    for (const key of [
      'jobs',
      'vmHours',
      'busyVmHours',
      'idleRatio',
      'waitSeconds',
      'coldStarts',
      'costPerMonthUsd',
      'alwaysOnCostPerMonthUsd',
      'launches',
      'interruptions',
      'instanceType',
      'region',
      'span',
      'assumptions',
    ]) {
      expect(j).toHaveProperty(key);
    }
    expect(Object.keys(j.waitSeconds)).toEqual(['p50', 'p95', 'p99', 'max', 'mean']);
    expect(j.jobs).toBe(40);
    expect(j.instanceType).toBe('t4g.medium');
    expect(j.region).toBe('us-east-1');
    expect(j.span).toMatchObject({
      start: '2026-05-04T00:00:00.000Z',
      end: '2026-05-05T00:00:00.000Z',
      days: 1,
    });
    expect(j.costPerMonthUsd).toBeCloseTo(plan.costPerMonthUsd, 3);
    expect(j.busyVmHours).toBeLessThanOrEqual(j.vmHours);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });
});

describe('formatTextReport', () => {
  it('shows the table, the service figures, the explanation and the assumptions', () => {
    const text = formatTextReport(plan);
    expect(text).toContain('runner "test": t4g.medium spot in us-east-1 at $0.012/h');
    expect(text).toMatch(/VM-hours billed\s+[\d.]+\s+[\d.,]+/);
    expect(text).toMatch(/queue wait {4}p50 \d+ s, p95 \d+ s/);
    expect(text).toContain('above the expected $0.01–$0.02/month (test band)');
    expect(text).toContain('not included: EBS volumes');
  });
});

describe('renderHtmlReport', () => {
  it('is one self-contained page with an inline SVG chart and no external references', () => {
    const html = renderHtmlReport({ plan, sweep, generatedAt: '2026-11-23T00:00:00Z' });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<svg');
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|\ssrc=|@import|url\(/i);
    expect((html.match(/<svg/g) ?? []).length).toBe(2);
    expect(html).toContain('Recommendation');
  });

  it('escapes text from the history source', () => {
    const html = renderHtmlReport({
      plan: { ...plan, history: { ...plan.history, source: '<b>x</b>' } },
    });
    expect(html).not.toContain('<b>x</b>');
    expect(html).toContain('&#60;b&#62;x&#60;/b&#62;');
  });
});

describe('runSweep', () => {
  it('replays every combination, reports progress, marks the Pareto front and recommends', () => {
    expect(sweep.rows.map((r) => r.label)).toEqual([
      'idle_time=1m idle_count=0',
      'idle_time=1m idle_count=1',
      'idle_time=20m idle_count=0',
      'idle_time=20m idle_count=1',
    ]);
    expect(progress).toEqual(['0/4', '1/4', '2/4', '3/4', '4/4']);
    expect(sweep.rows.some((r) => r.pareto)).toBe(true);
    const warm = sweep.rows[1]!.result;
    const cold = sweep.rows[0]!.result;
    expect(warm.settings.preemptiveMode).toBe(true);
    expect(warm.costPerMonthUsd).toBeGreaterThan(cold.costPerMonthUsd);
    expect(warm.coldStarts).toBeLessThan(cold.coldStarts);
    const rec = sweep.rows[sweep.recommendation.index!]!;
    expect(rec.p95WaitSeconds <= 60 || !sweep.recommendation.meetsTarget).toBe(true);
  });

  it('prints a table with the recommendation and a JSON form', () => {
    const text = formatSweepText(sweep);
    expect(text).toMatch(/idle_time\s+idle_count\s+\$\/month\s+p95 wait/);
    expect(text).toContain('<- recommended');
    expect(text).toContain('recommendation (p95 wait target 60 s)');
    const j = sweepToJson(sweep);
    expect(j.rows).toHaveLength(4);
    expect(j.rows.filter((r) => r.recommended)).toHaveLength(1);
    expect(j.recommendation.settings).toEqual(sweep.rows[sweep.recommendation.index!]!.values);
  });
});

describe('niceScale', () => {
  it('rounds axis maxima to tidy steps, whole for counts and fractional for money', () => {
    expect(niceScale(7)).toEqual({ max: 8, step: 2 });
    expect(niceScale(23)).toEqual({ max: 25, step: 5 });
    expect(niceScale(0.3)).toEqual({ max: 1, step: 1 });
    const money = niceScale(0.023, false);
    expect(money.step).toBeCloseTo(0.005, 12);
    expect(money.max).toBeCloseTo(0.025, 12);
  });
});
