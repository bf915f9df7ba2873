import { describe, expect, it } from 'vitest';
import { bareRecordedJob } from '../../runner/testing/recorded-job.js';
import { bareRecordedInstance } from '../history/testing/recorded-fixtures.js';
import { interruptionSummary, jobRows, percentile, waitStats } from './job-stats.js';

const job = bareRecordedJob;

describe('dashboard job figures', () => {
  it('takes percentiles by nearest rank', () => {
    const values = [50, 10, 40, 20, 30, 60, 70, 80, 90, 100];
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('splits waits by phase; a job whose instance was ready counts zero cold start', () => {
    const stats = waitStats([
      job({
        pickupMs: 1000,
        instanceWaitMs: 30_000,
        coldStartMs: 25_000,
        bootMs: 20_000,
        readyUpMs: 5_000,
        imagePullMs: 4_000,
      }),
      job({ pickupMs: 3000, instanceWaitMs: 100, imagePullMs: 0 }),
      job({ instanceWaitMs: 200 }),
      // Written before the cold start was split: no boot/ready-up figures from it.
      job({ instanceWaitMs: 9_000, coldStartMs: 8_000 }),
      job({}),
    ]);
    expect(stats).toEqual([
      { phase: 'pickup', jobs: 2, p50Ms: 1000, p95Ms: 3000 },
      { phase: 'instanceWait', jobs: 4, p50Ms: 200, p95Ms: 30_000 },
      { phase: 'coldStart', jobs: 4, p50Ms: 0, p95Ms: 25_000 },
      { phase: 'boot', jobs: 3, p50Ms: 0, p95Ms: 20_000 },
      { phase: 'readyUp', jobs: 3, p50Ms: 0, p95Ms: 5_000 },
      { phase: 'imagePull', jobs: 2, p50Ms: 0, p95Ms: 4_000 },
    ]);
    expect(waitStats([])[0]).toEqual({ phase: 'pickup', jobs: 0 });
  });

  it('lists running jobs first, then the most recent finished ones, without anything secret', () => {
    const finished = [1, 2, 3].map((n) =>
      job({ jobId: n, receivedAtMs: n * 1000, finishedAtMs: n * 1000 + 500, instanceId: 'i-1' }),
    );
    const rows = jobRows(
      finished,
      [{ id: 9, name: 'test', project: 'g/app', runner: 'spot', receivedAtMs: 4000 }],
      10_000,
      2,
    );
    expect(rows.map((r) => [r.id, r.state, r.durationMs])).toEqual([
      [9, 'running', 6000],
      [3, 'finished', 500],
      [2, 'finished', 500],
    ]);
    expect(rows[1]).toMatchObject({ instanceId: 'i-1', result: 'success', reruns: 0 });
    expect(Object.keys(rows[1]!)).not.toContain('tags');
  });

  it('counts interrupted jobs and the ones a rerun rescued', () => {
    const jobs = [
      job({ jobId: 1, interruptions: 1, reruns: 1, result: 'success', finishedAtMs: 10 }),
      job({ jobId: 2, interruptions: 2, reruns: 1, result: 'failed', finishedAtMs: 20 }),
      job({ jobId: 3 }),
    ];
    const taken = bareRecordedInstance({ interrupted: true });
    const kept = bareRecordedInstance({ interrupted: false });
    const s = interruptionSummary(jobs, [taken, kept, taken]);
    expect(s).toMatchObject({
      instancesInterrupted: 2,
      jobsInterrupted: 2,
      jobsRescued: 1,
      runsLost: 3,
    });
    expect(s.jobs.map((j) => [j.id, j.result])).toEqual([
      [2, 'failed'],
      [1, 'success'],
    ]);
  });
});
