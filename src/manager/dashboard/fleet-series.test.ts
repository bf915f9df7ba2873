import { describe, expect, it } from 'vitest';
import { bareRecordedJob } from '../../runner/testing/recorded-job.js';
import { bareRecordedInstance } from '../history/testing/recorded-fixtures.js';
import { fleetInstance } from '../testing/manager-status.js';
import {
  addOverlap,
  fleetSeries,
  queueSeries,
  unionWithin,
  type Buckets,
  type LiveJob,
} from './fleet-series.js';

const S = 1000;
const b: Buckets = { fromMs: 0, stepMs: 30 * S, count: 4 };

const instance = bareRecordedInstance;
const job = bareRecordedJob;

const noLive = { instances: [], jobs: new Map<string, LiveJob>() };

describe('dashboard series', () => {
  it('spreads an interval over the buckets it overlaps, as a fraction of each', () => {
    const out: number[] = [];
    addOverlap(out, b, [15 * S, 75 * S]);
    expect(out).toEqual([0.5, 1, 0.5]);
    addOverlap(out, b, [-10 * S, 5 * S]);
    addOverlap(out, b, [200 * S, 300 * S]);
    expect(out[0]).toBeCloseTo(0.5 + 1 / 6, 9);
    expect(out).toHaveLength(3);
  });

  it('merges overlapping runs once (two jobs on one instance are one busy instance)', () => {
    expect(
      unionWithin(
        [
          [30, 50],
          [10, 40],
          [60, 70],
        ],
        0,
        65,
      ),
    ).toEqual([
      [10, 50],
      [60, 65],
    ]);
  });

  it('counts only the part of runs inside the window: earlier runs leave its buckets as they are', () => {
    // Launched at -100 s, ready -90 s, removed 120 s; runs -80 to -10 s and -20 to 20 s.
    const inst = instance({
      launchedAtMs: -100 * S,
      readyAtMs: -90 * S,
      removedAtMs: 120 * S,
      billedS: 220,
    });
    const runs = [
      { instanceId: 'i-1', startedAtMs: -80 * S, endedAtMs: -10 * S },
      { instanceId: 'i-1', startedAtMs: -20 * S, endedAtMs: 20 * S },
    ];
    const jobs = runs.map((r, k) => job({ jobId: k + 1, runs: [r] }));
    const points = fleetSeries(b, 120 * S, { jobs, instances: [inst] }, noLive);
    expect(points.slice(0, 4).map((p) => p.values)).toEqual([
      { booting: 0, idle: 0.333, busy: 0.667, draining: 0 },
      { booting: 0, idle: 1, busy: 0, draining: 0 },
      { booting: 0, idle: 1, busy: 0, draining: 0 },
      { booting: 0, idle: 1, busy: 0, draining: 0 },
    ]);
  });

  it('splits a recorded instance into booting, busy and idle from its times and its jobs’ runs', () => {
    // Launched 0, ready 20 s, one job ran 30–60 s, removed at 90 s.
    const inst = instance({ readyAtMs: 20 * S, removedAtMs: 90 * S, billedS: 90 });
    const run = { instanceId: 'i-1', startedAtMs: 30 * S, endedAtMs: 60 * S };
    const points = fleetSeries(
      b,
      120 * S,
      { jobs: [job({ runs: [run] })], instances: [inst] },
      noLive,
    );
    expect(points.map((p) => p.values)).toEqual([
      { booting: 0.667, idle: 0.333, busy: 0, draining: 0 },
      { booting: 0, idle: 0, busy: 1, draining: 0 },
      { booting: 0, idle: 1, busy: 0, draining: 0 },
      { booting: 0, idle: 0, busy: 0, draining: 0 },
      { booting: 0, idle: 0, busy: 0, draining: 0 },
    ]);
    expect(points.map((p) => p.atMs)).toEqual([30, 60, 90, 120, 120].map((s) => s * S));
  });

  it('counts an open instance up to now, busy with its running job, and the live fleet last', () => {
    const open = instance({ readyAtMs: 10 * S, billedS: 120 });
    const live = {
      instances: [
        {
          ...fleetInstance({ id: 'i-1', readyAtMs: 10 * S, slotsInUse: 1, jobIds: [5] }),
          runner: 'spot',
        },
        { ...fleetInstance({ id: 'i-2', status: 'draining' }), runner: 'spot' },
        { ...fleetInstance({ id: 'i-3', status: 'readying' }), runner: 'spot' },
      ],
      jobs: new Map<string, LiveJob>([['spot/5', { receivedAtMs: 90 * S, instanceId: 'i-1' }]]),
    };
    const points = fleetSeries(b, 120 * S, { jobs: [], instances: [open] }, live);
    expect(points[2]?.values).toMatchObject({ idle: 1, busy: 0 });
    expect(points[3]?.values).toMatchObject({ idle: 0, busy: 1 });
    expect(points.at(-1)?.values).toEqual({ booting: 1, idle: 0, busy: 1, draining: 1 });
  });

  it('counts jobs waiting in GitLab’s queue and for an instance, and the live waiting jobs', () => {
    const finished = job({
      queuedAtMs: 0,
      receivedAtMs: 15 * S,
      runs: [{ instanceId: 'i-1', startedAtMs: 45 * S, endedAtMs: 50 * S }],
      finishedAtMs: 50 * S,
    });
    const live = new Map<string, LiveJob>([
      ['spot/8', { receivedAtMs: 105 * S }],
      ['spot/9', { receivedAtMs: 100 * S, instanceId: 'i-1' }],
    ]);
    const points = queueSeries(b, 120 * S, [finished], live);
    expect(points.map((p) => p.values)).toEqual([
      { gitlab: 0.5, instance: 0.5 },
      { gitlab: 0, instance: 0.5 },
      { gitlab: 0, instance: 0 },
      { gitlab: 0, instance: 0.5 },
      { gitlab: 0, instance: 1 },
    ]);
  });
});
