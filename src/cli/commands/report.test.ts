import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MoneySummary } from '../../manager/history/money.js';
import {
  recordedInstance,
  writeRecordedHistory,
} from '../../manager/history/testing/recorded-fixtures.js';
import { VirtualClock } from '../../platform/clock.js';
import type { SpotPriceSource } from '../../plan/prices/live-spot-prices.js';
import { bundledPriceTable } from '../../plan/prices/price-table.js';
import { bareRecordedJob } from '../../runner/testing/recorded-job.js';
import { createProgram } from '../program.js';
import { captureCli } from '../testing/capture-cli.js';
import { registerReportCommand } from './report.js';
import type { ReportCommandDeps } from './report-money.js';

const H = 3_600_000;
const at = (iso: string): number => Date.parse(iso);
const launched = at('2026-11-14T22:00:00Z');

// A spot t4g.medium across midnight (ready after 6 min, 4 h billed) that ran one 2-hour job.
const jobFromMs = at('2026-11-14T23:00:00Z');
const jobToMs = at('2026-11-15T01:00:00Z');
const records = [
  bareRecordedJob({
    receivedAtMs: jobFromMs,
    startedAtMs: jobFromMs,
    finishedAtMs: jobToMs,
    instanceId: 'i-a',
    runs: [{ instanceId: 'i-a', startedAtMs: jobFromMs, endedAtMs: jobToMs }],
  }),
  recordedInstance({
    instanceId: 'i-a',
    launchedAtMs: launched,
    readyAtMs: launched + 0.1 * H,
    removedAtMs: launched + 4 * H,
    billedS: 4 * 3600,
    busyS: 7200,
    idleS: 4 * 3600 - 360 - 7200,
    jobs: 1,
  }),
];

let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'report-cli-'));
  writeRecordedHistory(join(stateDir, 'history'), records);
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

async function report(args: string[], deps: ReportCommandDeps = {}): Promise<string> {
  const cli = captureCli();
  const program = createProgram(cli.ctx, [(p, ctx) => registerReportCommand(p, ctx, deps)]);
  await program.parseAsync(['node', 'spotrunner', 'report', '--state-dir', stateDir, ...args]);
  return cli.out();
}

const spot = bundledPriceTable().regions['us-east-1']!['t4g.medium']!.spotPerHourUsd;

describe('spotrunner report: money', () => {
  it('prints today, month to date, the projection and the comparisons as of --now', async () => {
    const text = await report(['--now', '2026-11-15T06:00:00Z']);
    const usd = (n: number): string => `$${n.toFixed(4)}`;
    expect(text).toContain('Money at 2026-11-15T06:00:00.000Z (UTC days and months; us-east-1');
    // Today: 00:00–01:00 busy and 01:00–02:00 idle; the month: boot 0.1 h, busy 2 h, idle 1.9 h.
    expect(text).toContain(
      `Today:          ${usd(2 * spot)} = busy ${usd(spot)} + idle ${usd(spot)} + boot $0.0000`,
    );
    expect(text).toContain(`Month to date:  ${usd(4 * spot)} = busy ${usd(2 * spot)}`);
    expect(text).toMatch(/Projected month \$\d+\.\d{4} \(month to date/);
    expect(text).toContain('vs GitLab-hosted runners $1.2000');
  });

  it('puts the money figures in the JSON, relative to --now', async () => {
    const r = JSON.parse(await report(['--json', '--now', '2026-12-01T00:00:00Z'])) as {
      costUsd: number;
      money: MoneySummary;
    };
    expect(r.costUsd).toBeCloseTo(4 * spot, 6);
    // A new month: nothing so far (the job ran in November).
    expect(r.money.monthToDate).toMatchObject({ costUsd: 0, instanceHours: 0, jobs: 0 });
    expect(r.money.nowMs).toBe(at('2026-12-01T00:00:00Z'));
    expect(r.money.prices.live).toBe(false);
    const nov = JSON.parse(await report(['--json', '--now', '2026-11-20T00:00:00Z'])) as {
      money: MoneySummary;
    };
    expect(nov.money.monthToDate.costUsd).toBeCloseTo(4 * spot, 6);
    expect(nov.money.savings.gitlabHostedUsd).toBeCloseTo(1.2, 6);
  });

  it('prices with --live-prices from the injected spot price source', async () => {
    const asked: string[][] = [];
    const source: SpotPriceSource = {
      spotPriceHistory: ({ instanceTypes }) => {
        asked.push([...instanceTypes]);
        return Promise.resolve([
          { instanceType: 't4g.medium', zone: 'us-east-1a', priceUsd: 0.02, timestampMs: 1 },
        ]);
      },
    };
    const clock = new VirtualClock(at('2026-11-16T00:00:00Z'));
    const r = JSON.parse(
      await report(['--json', '--live-prices'], { spotPrices: () => source, clock }),
    ) as { costUsd: number; money: MoneySummary };
    expect(asked).toEqual([['t4g.medium']]);
    expect(r.money.prices.live).toBe(true);
    // --now defaults to the clock: the month holds all 4 h at the live $0.02.
    expect(r.money.nowMs).toBe(at('2026-11-16T00:00:00Z'));
    expect(r.money.monthToDate.costUsd).toBeCloseTo(0.08, 6);
    expect(r.costUsd).toBeCloseTo(0.08, 6);
  });

  it('rejects a --now or --capacity-per-instance that does not parse', async () => {
    await expect(report(['--now', 'yesterday-ish'])).rejects.toThrow(
      '--now "yesterday-ish" is not a date (ISO-8601)',
    );
    await expect(report(['--capacity-per-instance', '0'])).rejects.toThrow(
      'expected a whole number ≥ 1',
    );
  });
});
