import { describe, expect, it } from 'vitest';
import { recordedJob, T0 } from '../../runner/testing/recorded-job.js';
import { realizedSeries } from './realized-series.js';
import { recordedInstance } from './testing/recorded-fixtures.js';

const MIN = 60_000;

describe('the recorded fleet over time', () => {
  it('counts instances, running and waiting jobs, the maximum within each bucket', () => {
    const instances = [
      recordedInstance({ instanceId: 'a', launchedAtMs: T0, removedAtMs: T0 + 30 * MIN }),
      recordedInstance({ instanceId: 'b', launchedAtMs: T0 + 5 * MIN, removedAtMs: T0 + 10 * MIN }),
    ];
    const jobs = [
      // Queued at T0, waited 2 min, ran 10 min on a.
      recordedJob({
        queuedAtMs: T0,
        receivedAtMs: T0,
        startedAtMs: T0 + 2 * MIN,
        finishedAtMs: T0 + 12 * MIN,
        instanceId: 'a',
      }),
      // Lost its run on b at 9 min, rerun on a from 9 to 20 min: one job running, not two.
      recordedJob({
        jobId: 2,
        queuedAtMs: T0 + 5 * MIN,
        receivedAtMs: T0 + 5 * MIN,
        startedAtMs: T0 + 9 * MIN,
        finishedAtMs: T0 + 20 * MIN,
        instanceId: 'a',
        runs: [
          { instanceId: 'b', startedAtMs: T0 + 6 * MIN, endedAtMs: T0 + 9 * MIN },
          { instanceId: 'a', startedAtMs: T0 + 9 * MIN, endedAtMs: T0 + 20 * MIN },
        ],
      }),
    ];
    const series = realizedSeries(jobs, instances, 60);
    const at = (min: number) => series.find((p) => p.atMs === T0 + min * MIN);
    expect(series[0]?.atMs).toBe(T0);
    expect(at(0)).toMatchObject({ instances: 1, runningJobs: 0, queuedJobs: 1 });
    expect(at(5)).toMatchObject({ instances: 2, runningJobs: 1, queuedJobs: 1 });
    expect(at(9)).toMatchObject({ instances: 2, runningJobs: 2, queuedJobs: 0 });
    expect(at(25)).toMatchObject({ instances: 1, runningJobs: 0, queuedJobs: 0 });
    expect(series.at(-1)?.atMs).toBe(T0 + 30 * MIN);
    expect(Math.max(...series.map((p) => p.runningJobs))).toBe(2);
  });

  it('draws nothing from an empty history', () => {
    expect(realizedSeries([], [])).toEqual([]);
  });
});
