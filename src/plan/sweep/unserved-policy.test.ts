/**
 * A policy that can never serve a job (preemptive_mode = true with idle_count = 0: the runner
 * asks for a job only when a ready slot is free, and none is ever started) used to replay as
 * $0/month with 0 s waits, and the sweep recommended it. It is an error for a plan and left out
 * of a sweep.
 */
import { describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import { bundledPriceTable } from '../prices/price-table.js';
import { runPlan, type PlanInput } from '../replay/run-plan.js';
import { dayHistory, job, MIN, planConfig, T0 } from '../testing/plan-fixtures.js';
import { runSweep } from './run-sweep.js';
import { formatSweepText, sweepToJson } from './sweep-report.js';
import { parseSweep } from './sweep-spec.js';

const input = (): PlanInput => ({
  config: planConfig(),
  history: dayHistory(
    Array.from({ length: 12 }, (_, i) => job(T0 + 9 * 3_600_000 + i * 20 * MIN, 4 * MIN)),
  ),
  prices: bundledPriceTable(),
  flags: { interruptionsPerInstanceHour: 0 },
});

describe('a policy that can never serve a job', () => {
  it('is an error for a single plan, not a $0 projection', async () => {
    const err = await runPlan({
      ...input(),
      overrides: { idleCount: 0, preemptiveMode: true },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(
      /^runner "test": preemptive_mode = true with idle_count = 0 can never serve a job/,
    );
  });

  it('is left out of a sweep, and so never recommended', async () => {
    const sweep = await runSweep(
      input(),
      parseSweep(['idle_count=0,1', 'preemptive=true,false']),
      60,
    );
    expect(sweep.rows.map((r) => r.label)).toEqual([
      'idle_count=0 preemptive=false',
      'idle_count=1 preemptive=true',
      'idle_count=1 preemptive=false',
    ]);
    expect(sweep.excluded).toEqual([
      {
        label: 'idle_count=0 preemptive=true',
        values: { idle_count: '0', preemptive: 'true' },
        reason: expect.stringMatching(/can never serve a job/) as string,
      },
    ]);
    expect(sweep.recommendation.index).toBeDefined();
    for (const row of sweep.rows) expect(row.result.jobs).toBe(12);
    expect(formatSweepText(sweep)).toContain(
      'idle_count=0 preemptive=true: left out, preemptive_mode = true with idle_count = 0 can never serve a job',
    );
    expect(sweepToJson(sweep).excluded).toEqual([
      {
        settings: { idle_count: '0', preemptive: 'true' },
        reason: expect.stringMatching(/can never serve a job/) as string,
      },
    ]);
  });
});
