import { describe, expect, it } from 'vitest';
import type { PriceTable } from '../../plan/prices/price-table.js';
import type { RecordedJob, RecordedRun } from '../../runner/job-recorder.js';
import { buildReport } from './history-report.js';
import type { RecordedInstance } from './instance-tracker.js';
import { summarizeMoney } from './money.js';
import type { RecordedHistory } from './read-history.js';

const H = 3_600_000;
const M = 60_000;
const at = (iso: string): number => Date.parse(iso);

/** Round prices so the figures below can be worked out by hand. */
const prices: PriceTable = {
  asOf: '2026-11-01',
  source: 'test table',
  types: {
    't4g.medium': { vcpu: 2, memoryGiB: 4, arch: 'arm64', burstable: true },
    'm7i.xlarge': { vcpu: 4, memoryGiB: 16, arch: 'amd64', burstable: false },
  },
  regions: {
    'us-east-1': {
      't4g.medium': { onDemandPerHourUsd: 0.03, spotPerHourUsd: 0.01 },
      'm7i.xlarge': { onDemandPerHourUsd: 0.2, spotPerHourUsd: 0.08 },
    },
  },
};

/** A closed record from launch, ready and removal (the split fields as the tracker writes them). */
function instance(
  id: string,
  launchedAt: string,
  readyAfterMs: number,
  removedAt: string | undefined,
  billedMs: number,
  over: Partial<RecordedInstance> = {},
): RecordedInstance {
  const launchedAtMs = at(launchedAt);
  return {
    kind: 'instance',
    runner: 'spot',
    instanceId: id,
    instanceType: 't4g.medium',
    lifecycle: 'spot',
    launchedAtMs,
    readyAtMs: launchedAtMs + readyAfterMs,
    ...(removedAt ? { removedAtMs: at(removedAt) } : {}),
    billedS: billedMs / 1000,
    bootS: readyAfterMs / 1000,
    busyS: 0,
    idleS: (billedMs - readyAfterMs) / 1000,
    interrupted: false,
    jobs: 0,
    ...over,
  };
}

function job(id: number, runs: RecordedRun[], over: Partial<RecordedJob> = {}): RecordedJob {
  const last = runs.at(-1)!;
  return {
    kind: 'job',
    jobId: id,
    runner: 'spot',
    name: 'build',
    project: 'g/app',
    tags: [],
    receivedAtMs: runs[0]!.startedAtMs,
    startedAtMs: last.startedAtMs,
    finishedAtMs: last.endedAtMs,
    instanceId: last.instanceId,
    runs,
    reruns: runs.length - 1,
    interruptions: 0,
    result: 'success',
    ...over,
  };
}

const run = (instanceId: string, from: string, to: string): RecordedRun => ({
  instanceId,
  startedAtMs: at(from),
  endedAtMs: at(to),
});

const history = (instances: RecordedInstance[], jobs: RecordedJob[] = []): RecordedHistory => ({
  instances,
  jobs,
  files: [],
  skipped: 0,
});

const summarize = (h: RecordedHistory, now: string, more: object = {}) =>
  summarizeMoney(h, { nowMs: at(now), region: 'us-east-1', prices, ...more });

// A spot t4g.medium ($0.01/h) from 22:00 to 02:00 across midnight: ready after 6 min, one job
// 23:00–01:00.
const acrossMidnight = history(
  [instance('i-a', '2026-11-14T22:00:00Z', 6 * M, '2026-11-15T02:00:00Z', 4 * H)],
  [job(1, [run('i-a', '2026-11-14T23:00:00Z', '2026-11-15T01:00:00Z')])],
);

describe('summarizeMoney: periods', () => {
  it('prorates an instance across midnight: today holds only the hours after 00:00 UTC', () => {
    const m = summarize(acrossMidnight, '2026-11-15T06:00:00Z');
    // Today: 00:00–01:00 busy, 01:00–02:00 idle.
    expect(m.today).toMatchObject({ costUsd: 0.02, busyUsd: 0.01, idleUsd: 0.01, bootUsd: 0 });
    expect(m.today).toMatchObject({ instanceHours: 2, jobs: 1 });
    // Month to date: boot 0.1 h, busy 2 h, idle 1.9 h.
    expect(m.monthToDate.hours).toEqual({ boot: 0.1, busy: 2, interruption: 0, idle: 1.9 });
    expect(m.monthToDate).toMatchObject({ costUsd: 0.04, bootUsd: 0.001, busyUsd: 0.02 });
    expect(m.monthToDate.idleUsd).toBeCloseTo(0.019, 9);
  });

  it('prorates across a month boundary and counts nothing after nowMs', () => {
    const h = history([
      instance('i-nov', '2026-11-30T23:00:00Z', 0, '2026-12-01T01:00:00Z', 2 * H),
      instance('i-later', '2026-12-01T03:00:00Z', 0, '2026-12-01T05:00:00Z', 2 * H),
    ]);
    const m = summarize(h, '2026-12-01T04:00:00Z');
    // i-nov: 1 h in December; i-later: 03:00 to nowMs.
    expect(m.monthToDate.instanceHours).toBe(2);
    expect(m.monthToDate.costUsd).toBe(0.02);
    expect(m.today.costUsd).toBe(0.02);
    const nov = summarize(h, '2026-11-30T23:30:00Z');
    expect(nov.monthToDate.instanceHours).toBe(0.5);
  });

  it('bills an open record to its recorded stop and a running instance up to nowMs', () => {
    const open = instance('i-open', '2026-12-01T00:00:00Z', 0, undefined, 0.5 * H);
    const m = summarize(history([open]), '2026-12-01T05:00:00Z');
    expect(m.monthToDate.instanceHours).toBe(0.5);
    const live = summarize(history([open]), '2026-12-01T05:00:00Z', { running: [open] });
    expect(live.monthToDate.instanceHours).toBe(5);
    expect(live.monthToDate.costUsd).toBe(0.05);
  });
});

describe('summarizeMoney: split', () => {
  // i-b (spot, $0.01/h) loses the job's run at 10:30 and is gone at 10:32; the rerun completes on
  // i-c (on-demand, $0.03/h) 10:33–10:45.
  const b = instance('i-b', '2026-11-10T10:00:00Z', 6 * M, '2026-11-10T10:32:00Z', 32 * M, {
    busyS: 24 * 60,
    idleS: 2 * 60,
    interrupted: true,
    jobs: 1,
  });
  const c = instance('i-c', '2026-11-10T10:00:00Z', 6 * M, '2026-11-10T11:00:00Z', H, {
    lifecycle: 'on-demand',
    busyS: 12 * 60,
    idleS: 42 * 60,
    jobs: 1,
  });
  const lostThenRerun = job(
    2,
    [
      run('i-b', '2026-11-10T10:06:00Z', '2026-11-10T10:30:00Z'),
      run('i-c', '2026-11-10T10:33:00Z', '2026-11-10T10:45:00Z'),
    ],
    { interruptions: 1 },
  );
  const h = history([b, c], [lostThenRerun]);

  it('counts a lost run and the lost instance’s tail as interruption, the rerun as busy', () => {
    const m = summarize(h, '2026-11-10T12:00:00Z');
    // i-b: boot 0.1 h, interruption 24 + 2 min; i-c: boot 0.1 h, busy 0.2 h, idle 0.7 h.
    expect(m.today.hours.boot).toBeCloseTo(0.2, 6);
    expect(m.today.hours.interruption).toBeCloseTo(26 / 60, 6);
    expect(m.today.hours.busy).toBeCloseTo(0.2, 6);
    expect(m.today.hours.idle).toBeCloseTo(0.7, 6);
    expect(m.today.interruptionUsd).toBeCloseTo((26 / 60) * 0.01, 6);
    expect(m.today.busyUsd).toBeCloseTo(0.2 * 0.03, 6);
    expect(m.today.idleUsd).toBeCloseTo(0.7 * 0.03, 6);
    const parts = m.today.bootUsd + m.today.busyUsd + m.today.idleUsd + m.today.interruptionUsd;
    expect(parts).toBeCloseTo(m.today.costUsd, 6);
    expect(m.today.costUsd).toBeCloseTo((32 / 60) * 0.01 + 0.03, 6);
  });

  it('keeps boot and billed hours equal to the report and busy+idle+interruption to its busy+idle', () => {
    const m = summarize(h, '2026-11-10T12:00:00Z');
    const r = buildReport(h, { region: 'us-east-1', prices });
    expect(m.monthToDate.instanceHours).toBeCloseTo(r.hours.billed, 6);
    expect(m.monthToDate.hours.boot).toBeCloseTo(r.hours.boot, 6);
    const hours = m.monthToDate.hours;
    expect(hours.busy + hours.idle + hours.interruption).toBeCloseTo(
      r.hours.busy + r.hours.idle,
      6,
    );
    expect(m.monthToDate.costUsd).toBeCloseTo(r.costUsd, 6);
    // Without interruptions busy and idle are the report's own.
    const plain = summarize(acrossMidnight, '2026-11-15T06:00:00Z');
    const pr = buildReport(
      history(
        [{ ...acrossMidnight.instances[0]!, busyS: 7200, idleS: 4 * 3600 - 360 - 7200 }],
        acrossMidnight.jobs,
      ),
      { region: 'us-east-1', prices },
    );
    expect(plain.monthToDate.hours.busy).toBeCloseTo(pr.hours.busy, 6);
    expect(plain.monthToDate.hours.idle).toBeCloseTo(pr.hours.idle, 6);
  });

  it('counts local instances in the hours and as unpriced, not in the money', () => {
    const local = instance('local-1', '2026-11-10T08:00:00Z', 0, '2026-11-10T10:00:00Z', 2 * H, {
      instanceType: undefined,
      lifecycle: undefined,
    });
    const m = summarize(history([local, c]), '2026-11-10T12:00:00Z');
    expect(m.monthToDate.instanceHours).toBe(3);
    expect(m.monthToDate.unpricedHours).toBe(2);
    expect(m.unpricedHours).toBe(2);
    expect(m.monthToDate.costUsd).toBe(0.03);
  });
});

describe('summarizeMoney: savings', () => {
  it('prices the same hours on-demand, an always-on fleet and GitLab-hosted minutes', () => {
    const m = summarize(acrossMidnight, '2026-11-15T06:00:00Z');
    expect(m.savings.actualUsd).toBe(0.04);
    expect(m.savings.onDemandUsd).toBeCloseTo(4 * 0.03, 6);
    // One instance (peak 1 job, 1 per instance) on-demand since the first recorded instance
    // (14 Nov 22:00), not since 1 Nov: the recording began then. 8 h.
    expect(m.savings.alwaysOnUsd).toBeCloseTo(8 * 0.03, 6);
    expect(m.savings.basis.alwaysOn).toBe(
      '1 × t4g.medium on-demand for 8.0 h (since the first recorded instance); peak 1 concurrent job(s) / 1 per instance, the most seen on one instance',
    );
    // 120 run minutes on the comparable small Arm64 runner (factor 1) at $10 per 1,000 minutes.
    expect(m.savings.gitlabHostedUsd).toBeCloseTo(1.2, 6);
    expect(m.savings.basis.gitlabHosted).toContain('120.0 run minute(s) on saas-linux-small-arm64');
  });

  // Two jobs at once on an m7i.xlarge (4 vCPU amd64), a third on a t4g.medium: peak 3.
  const h = history(
    [
      instance('i-x', '2026-11-01T10:00:00Z', 0, '2026-11-01T12:00:00Z', 2 * H, {
        instanceType: 'm7i.xlarge',
      }),
      instance('i-y', '2026-11-01T10:00:00Z', 0, '2026-11-01T11:30:00Z', 1.5 * H),
    ],
    [
      job(1, [run('i-x', '2026-11-01T10:00:00Z', '2026-11-01T11:00:00Z')]),
      job(2, [run('i-x', '2026-11-01T10:30:00Z', '2026-11-01T11:30:00Z')]),
      job(3, [run('i-y', '2026-11-01T10:45:00Z', '2026-11-01T11:15:00Z')]),
    ],
  );

  it('sizes the always-on fleet by peak concurrency over the capacity per instance', () => {
    const now = '2026-11-02T00:00:00Z';
    // Capacity 2 (seen on i-x): ceil(3 / 2) = 2 m7i.xlarge (the most used type) for the 14 h
    // since the first instance.
    expect(summarize(h, now).savings.alwaysOnUsd).toBeCloseTo(2 * 14 * 0.2, 6);
    expect(summarize(h, now, { capacityPerInstance: 3 }).savings.alwaysOnUsd).toBeCloseTo(
      14 * 0.2,
      6,
    );
    const capped = summarize(h, now, { capacityPerInstance: 1, maxInstances: 2 });
    expect(capped.savings.alwaysOnUsd).toBeCloseTo(2 * 14 * 0.2, 6);
    expect(capped.savings.basis.alwaysOn).toMatch(/peak 3 concurrent job\(s\) \/ 1 per instance$/);
  });

  it('maps each run to the hosted size of its instance and leaves lost runs out', () => {
    const m = summarize(h, '2026-11-02T00:00:00Z');
    // 120 min on medium amd64 (factor 2) + 30 min on small arm64 (factor 1), $0.01 a minute.
    expect(m.savings.gitlabHostedUsd).toBeCloseTo(120 * 2 * 0.01 + 30 * 0.01, 6);
    expect(m.savings.basis.gitlabHosted).toContain(
      'on saas-linux-medium-amd64, saas-linux-small-arm64',
    );
    const b = instance('i-b', '2026-11-10T10:00:00Z', 0, '2026-11-10T10:32:00Z', 32 * M);
    const c = instance('i-c', '2026-11-10T10:00:00Z', 0, '2026-11-10T11:00:00Z', H);
    const lost = job(
      4,
      [
        run('i-b', '2026-11-10T10:06:00Z', '2026-11-10T10:30:00Z'),
        run('i-c', '2026-11-10T10:33:00Z', '2026-11-10T10:45:00Z'),
      ],
      { interruptions: 1 },
    );
    const r = summarize(history([b, c], [lost]), '2026-11-10T12:00:00Z');
    expect(r.savings.gitlabHostedUsd).toBeCloseTo(12 * 0.01, 6);
    // The instance's record rotated out: the type the job names (m7i.xlarge, medium amd64).
    const rotated = summarize(
      history([], [{ ...lost, instanceType: 'm7i.xlarge' }]),
      '2026-11-10T12:00:00Z',
    );
    expect(rotated.savings.gitlabHostedUsd).toBeCloseTo(12 * 2 * 0.01, 6);
  });

  it('reports nothing to compare when no instance has a price', () => {
    const m = summarize(history([]), '2026-11-10T12:00:00Z');
    expect(m.savings).toMatchObject({ actualUsd: 0, onDemandUsd: 0, alwaysOnUsd: 0 });
    expect(m.savings.basis.alwaysOn).toBe('no priced instance type this month');
    expect(m.projectedMonth.costUsd).toBe(0);
  });
});

describe('summarizeMoney: projected month', () => {
  const steadySince = (launchedAt: string): RecordedInstance =>
    instance('i-s', launchedAt, 0, undefined, 0);

  it('adds the last 7 days’ daily rate for the days left to the month to date', () => {
    const s = steadySince('2026-11-01T00:00:00Z');
    const m = summarize(history([s]), '2026-11-15T12:00:00Z', { running: [s] });
    // $0.24 a day: 14.5 days so far, 15.5 left.
    expect(m.monthToDate.costUsd).toBeCloseTo(3.48, 6);
    expect(m.projectedMonth.costUsd).toBeCloseTo(7.2, 6);
    expect(m.projectedMonth.basis).toBe(
      'month to date $3.48 + $0.2400/day (average of the last 7 days) × 15.5 day(s) left',
    );
  });

  it('uses the days recorded when there are fewer than 7', () => {
    const s = steadySince('2026-11-13T12:00:00Z');
    const m = summarize(history([s]), '2026-11-15T12:00:00Z', { running: [s] });
    expect(m.projectedMonth.costUsd).toBeCloseTo(0.48 + 0.24 * 15.5, 6);
    expect(m.projectedMonth.basis).toContain('(average of the 2.0 day(s) recorded)');
  });

  it('counts less than a day recorded as one day, not as a fleet running around the clock', () => {
    // Launched 2 h ago at $0.01/h: $0.02 so far. Over 2 h that is $0.24/day; over a day, $0.02.
    const s = steadySince('2026-11-15T10:00:00Z');
    const m = summarize(history([s]), '2026-11-15T12:00:00Z', { running: [s] });
    expect(m.monthToDate.costUsd).toBeCloseTo(0.02, 6);
    expect(m.projectedMonth.costUsd).toBeCloseTo(0.02 + 0.02 * 15.5, 6);
    expect(m.projectedMonth.basis).toContain(
      '(average of the 2.0 hour(s) recorded, counted as one day)',
    );
  });
});

describe('summarizeMoney: a full window', () => {
  it('infers the capacity per instance from its concurrent runs, lost runs included', () => {
    const h = history(
      [instance('i-x', '2026-11-01T10:00:00Z', 0, '2026-11-01T14:00:00Z', 4 * H)],
      [
        job(1, [run('i-x', '2026-11-01T10:00:00Z', '2026-11-01T11:00:00Z')]),
        // Starts as job 1 ends: not at the same time.
        job(2, [run('i-x', '2026-11-01T11:00:00Z', '2026-11-01T12:00:00Z')]),
        // Lost at 12:30 (rerun on i-y), beside job 2 from 11:30.
        job(3, [
          run('i-x', '2026-11-01T11:30:00Z', '2026-11-01T12:30:00Z'),
          run('i-y', '2026-11-01T13:00:00Z', '2026-11-01T13:30:00Z'),
        ]),
      ],
    );
    expect(summarize(h, '2026-11-02T00:00:00Z').savings.basis.alwaysOn).toMatch(
      /peak 2 concurrent job\(s\) \/ 2 per instance, the most seen on one instance$/,
    );
  });

  it('bills instances of last month not to this month, but counts the last 7 days in the rate', () => {
    const h = history([
      instance('i-sep', '2026-09-20T10:00:00Z', 0, '2026-09-20T12:00:00Z', 2 * H),
      instance('i-oct', '2026-10-30T10:00:00Z', 0, '2026-10-30T12:00:00Z', 2 * H),
      instance('i-nov', '2026-11-03T10:00:00Z', 0, '2026-11-03T12:00:00Z', 2 * H),
    ]);
    const m = summarize(h, '2026-11-03T18:00:00Z');
    expect(m.monthToDate).toMatchObject({ costUsd: 0.02, instanceHours: 2 });
    // Since 27 Oct 18:00: i-oct and i-nov, $0.04 over 7 days, 27.25 days left.
    expect(m.projectedMonth.costUsd).toBeCloseTo(0.02 + (0.04 / 7) * 27.25, 6);
    expect(m.projectedMonth.basis).toContain('(average of the last 7 days)');
  });
});
