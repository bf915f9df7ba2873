import { describe, expect, it } from 'vitest';
import { readCsvHistory } from '../../plan/history/read-csv-history.js';
import { bundledPriceTable } from '../../plan/prices/price-table.js';
import { HOUR_MS, recordedJob, T0 } from '../../runner/testing/recorded-job.js';
import { buildReport } from './history-report.js';
import { recordedJobsCsv } from './report-format.js';
import { recordedInstance } from './testing/recorded-fixtures.js';

const H = HOUR_MS;
const instance = recordedInstance;
const job = recordedJob;

const history = {
  files: [],
  skipped: 0,
  instances: [
    instance({}),
    instance({
      instanceId: 'i-2',
      lifecycle: 'on-demand',
      billedS: 3600,
      busyS: 0,
      bootS: 360,
      idleS: 3240,
      jobs: 0,
    }),
    instance({
      instanceId: 'i-3',
      instanceType: undefined,
      lifecycle: undefined,
      billedS: 1800,
      bootS: 60,
      busyS: 900,
      idleS: 840,
    }),
  ],
  jobs: [
    job({}),
    job({ jobId: 2, project: 'g/web', startedAtMs: T0 + 1.2 * H, finishedAtMs: T0 + 1.7 * H }),
    job({
      jobId: 3,
      project: 'g/web',
      startedAtMs: undefined,
      instanceId: undefined,
      result: 'not-run',
    }),
    // Lost i-2 after 0.2 h (interrupted), rerun on i-3.
    job({
      jobId: 4,
      project: 'g/ops',
      startedAtMs: T0 + 0.5 * H,
      finishedAtMs: T0 + 0.6 * H,
      instanceId: 'i-3',
      reruns: 1,
      interruptions: 1,
      runs: [
        { instanceId: 'i-2', startedAtMs: T0 + 0.2 * H, endedAtMs: T0 + 0.4 * H },
        { instanceId: 'i-3', startedAtMs: T0 + 0.5 * H, endedAtMs: T0 + 0.6 * H },
      ],
    }),
  ],
};

describe('history report', () => {
  it('prices billed time by type and lifecycle and splits it over the jobs by run time', () => {
    const r = buildReport(history, { region: 'us-east-1', prices: bundledPriceTable() });
    const spot = 2 * 0.012;
    const onDemand = 1 * 0.0336;
    expect(r.costUsd).toBeCloseTo(spot + onDemand, 6);
    expect(r.unpricedHours).toBeCloseTo(0.5, 6);
    expect(r.hours.billed).toBeCloseTo(2 + 1 + 0.5, 6);
    expect(r.hours.busy).toBeCloseTo(1.5 + 0 + 0.25, 6);
    expect(r.idleRatio).toBeCloseTo((0.4 + 0.9 + 0.2333333) / (3.5 - 0.1 - 0.1 - 1 / 60), 4);
    const byProject = Object.fromEntries(r.byProject.map((p) => [p.project, p]));
    // i-1 ran g/app for 1 h and g/web for 0.5 h: its whole cost (boot and idle too) splits 2:1.
    expect(byProject['g/app']?.costUsd).toBeCloseTo((spot * 2) / 3, 6);
    expect(byProject['g/web']?.costUsd).toBeCloseTo(spot / 3, 6);
    expect(byProject['g/web']?.jobs).toBe(2);
    // i-2 ran only the run of g/ops that its interruption cut short: g/ops pays all of it.
    expect(byProject['g/ops']?.costUsd).toBeCloseTo(onDemand, 6);
    expect(byProject['(unattributed)']).toBeUndefined();
    expect(r.jobs.byResult).toEqual({ success: 3, 'not-run': 1 });
    expect(r.jobs).toMatchObject({ reruns: 1, interruptions: 1 });
  });

  it('leaves the cost of an instance no job ran on unattributed', () => {
    const r = buildReport(
      { ...history, jobs: [] },
      { region: 'us-east-1', prices: bundledPriceTable() },
    );
    expect(r.byProject.map((p) => p.project)).toEqual(['(unattributed)']);
    expect(r.byProject[0]?.costUsd).toBeCloseTo(r.costUsd, 6);
  });

  it('counts instances in the period they were launched in', () => {
    const r = buildReport(
      {
        ...history,
        instances: [instance({}), instance({ instanceId: 'i-9', launchedAtMs: T0 + 24 * H })],
      },
      { region: 'us-east-1', prices: bundledPriceTable(), fromMs: T0 + 12 * H },
    );
    expect(r.instances).toBe(1);
    expect(r.jobs.count).toBe(0);
  });

  it('exports the jobs that ran as CSV that the planner reads back', async () => {
    const csv = recordedJobsCsv(history.jobs);
    async function* lines(): AsyncGenerator<string> {
      yield* csv.split('\n').filter((l) => l !== '');
    }
    const read = await readCsvHistory(lines(), { file: 'recorded.csv' });
    expect(read.jobs.map((j) => [j.queuedAtMs, j.durationMs, j.project, j.tags])).toEqual([
      [T0 - 60_000, H, 'g/app', ['arm']],
      [T0 - 60_000, 0.5 * H, 'g/web', ['arm']],
      [T0 - 60_000, 0.1 * H, 'g/ops', ['arm']],
    ]);
  });
});
