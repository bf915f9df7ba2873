import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCsvHistory } from '../../plan/history/read-csv-history.js';
import { bundledPriceTable } from '../../plan/prices/price-table.js';
import { buildReport } from './history-report.js';
import { readRecordedHistory } from './read-history.js';
import { recordedJobsCsv } from './report-format.js';

const T0 = Date.UTC(2026, 10, 2, 9);
const H = 3_600_000;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const instance = (id: string, lifecycle: string, billedS: number, jobs: number): object => ({
  kind: 'instance',
  runner: 'spot',
  instanceId: id,
  instanceType: 't4g.medium',
  lifecycle,
  launchedAtMs: T0,
  readyAtMs: T0 + 60_000,
  removedAtMs: T0 + billedS * 1000,
  billedS,
  bootS: 60,
  busyS: 0,
  idleS: billedS - 60,
  interrupted: false,
  jobs,
});

const run = (fromH: number, toH: number): object => ({
  kind: 'job',
  runner: 'spot',
  tags: ['arm'],
  receivedAtMs: T0 + fromH * H,
  startedAtMs: T0 + fromH * H,
  finishedAtMs: T0 + toH * H,
  instanceId: 'i-1',
  runs: [{ instanceId: 'i-1', startedAtMs: T0 + fromH * H, endedAtMs: T0 + toH * H }],
  reruns: 0,
  interruptions: 0,
  result: 'success',
});

/**
 * i-1: spot t4g.medium, 3 h at $0.012/h = $0.036, ran 2 h of jobs: job 1 (1 h, a line from
 * before runs[] and the wait fields were recorded), job 2 (0.5 h), job 5 (0.5 h, an earlier
 * record of it left to expire without running). i-2: on-demand, 1 h at $0.0336, no job ran.
 */
function writeHistory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'job-cost-'));
  dirs.push(dir);
  const old = { ...run(0.1, 1.1), jobId: 1, name: 'build', project: 'g/app' };
  delete (old as { runs?: unknown }).runs;
  const lines = [
    old,
    {
      ...run(1.2, 1.7),
      jobId: 2,
      name: 'test',
      project: 'g/web',
      coldStartMs: 70_000,
      bootMs: 50_000,
      readyUpMs: 20_000,
      imagePullMs: 9_000,
    },
    {
      ...run(0, 0.05),
      jobId: 5,
      name: 'deploy',
      project: 'g/app',
      startedAtMs: undefined,
      runs: [],
      result: 'not-run',
    },
    { ...run(2, 2.5), jobId: 5, name: 'deploy', project: 'g/app', imagePullMs: 0 },
    instance('i-1', 'spot', 3 * 3600, 3),
    instance('i-2', 'on-demand', 3600, 0),
  ];
  writeFileSync(join(dir, 'history.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n'));
  return dir;
}

describe('cost per job', () => {
  it("splits each instance's cost over its jobs by run time, the same shares as per project", async () => {
    const history = await readRecordedHistory(writeHistory());
    expect(history.skipped).toBe(0);
    const r = buildReport(history, { region: 'us-east-1', prices: bundledPriceTable() });
    expect(r.costUsd).toBeCloseTo(0.036 + 0.0336, 6);
    expect(r.byJob).toEqual([
      {
        jobId: 1,
        runner: 'spot',
        project: 'g/app',
        name: 'build',
        result: 'success',
        runHours: 1,
        costUsd: 0.018,
      },
      {
        jobId: 2,
        runner: 'spot',
        project: 'g/web',
        name: 'test',
        result: 'success',
        runHours: 0.5,
        costUsd: 0.009,
      },
      {
        jobId: 5,
        runner: 'spot',
        project: 'g/app',
        name: 'deploy',
        result: 'success',
        runHours: 0.5,
        costUsd: 0.009,
      },
    ]);
    const byProject = Object.fromEntries(r.byProject.map((p) => [p.project, p.costUsd]));
    expect(byProject).toEqual({ 'g/app': 0.027, 'g/web': 0.009, '(unattributed)': 0.0336 });
    const jobsTotal = r.byJob.reduce((s, j) => s + j.costUsd, 0);
    expect(jobsTotal + (byProject['(unattributed)'] ?? 0)).toBeCloseTo(r.costUsd, 6);
  });

  it('writes each job cost as a cost_usd column that the planner reads past', async () => {
    const history = await readRecordedHistory(writeHistory());
    const r = buildReport(history, { region: 'us-east-1', prices: bundledPriceTable() });
    const csv = recordedJobsCsv(history.jobs, r);
    const rows = csv.trim().split('\n');
    expect(rows[0]).toBe('queued_at,duration_s,tags,project,name,cost_usd');
    expect(rows.slice(1).map((l) => l.split(',').slice(3))).toEqual([
      ['g/app', 'build', '0.018'],
      ['g/web', 'test', '0.009'],
      ['g/app', 'deploy', '0.009'],
    ]);
    async function* lines(): AsyncGenerator<string> {
      yield* rows;
    }
    const read = await readCsvHistory(lines(), { file: 'recorded.csv' });
    expect(read.jobs.map((j) => [j.durationMs, j.project, j.name])).toEqual([
      [H, 'g/app', 'build'],
      [0.5 * H, 'g/web', 'test'],
      [0.5 * H, 'g/app', 'deploy'],
    ]);
  });
});
