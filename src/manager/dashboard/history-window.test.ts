import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import type { RecordedJob } from '../../runner/job-recorder.js';
import { bareRecordedJob } from '../../runner/testing/recorded-job.js';
import { createHistory } from '../history/history-part.js';
import { openHistoryLog } from '../history/history-log.js';
import { managerStatus, fleetInstance } from '../testing/manager-status.js';
import { createHistoryWindow } from './history-window.js';

const DAY = 24 * 3600_000;

const job = (jobId: number, finishedAtMs: number): RecordedJob =>
  bareRecordedJob({ jobId, receivedAtMs: finishedAtMs - 1000, finishedAtMs });

describe('the dashboard history window', () => {
  it('loads the window from the files, follows new records, and keeps at most maxJobs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'history-window-'));
    try {
      const clock = new VirtualClock(100 * DAY);
      const log = openHistoryLog({ dir });
      log.append(job(1, clock.now() - 40 * DAY));
      log.append(job(2, clock.now() - 2 * DAY));
      log.append(job(3, clock.now() - DAY));
      const history = createHistory({ clock, logger: silentLogger }, log);
      const window = createHistoryWindow(
        { clock, logger: silentLogger, history },
        { dir, maxJobs: 3 },
      );
      // A record while the files are read comes after them, not lost.
      history.recorder.jobFinished(job(4, clock.now()));
      await window.load();
      expect(window.snapshot().jobs.map((j) => j.jobId)).toEqual([2, 3, 4]);
      history.recorder.jobFinished(job(5, clock.now()));
      expect(window.snapshot().jobs.map((j) => j.jobId)).toEqual([3, 4, 5]);
      await clock.advance(DAY + 1);
      history.recorder.jobFinished(job(6, clock.now()));
      expect(window.snapshot().jobs.map((j) => j.jobId)).toEqual([4, 5, 6]);
      window.close();
      history.recorder.jobFinished(job(7, clock.now()));
      expect(window.size().jobs).toBe(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('adds the instances still running, billed to now, without ending them in the file', async () => {
    const clock = new VirtualClock(1_000_000);
    const written: object[] = [];
    const history = createHistory(
      { clock, logger: silentLogger },
      { dir: '(memory)', append: (r) => written.push(r) },
    );
    const part = history.part({
      status: () =>
        managerStatus([
          fleetInstance({ id: 'i-1', launchedAtMs: 1_000_000, readyAtMs: 1_010_000 }),
        ]),
    });
    await part.start();
    const window = createHistoryWindow({ clock, logger: silentLogger, history });
    await window.load();
    await clock.advance(60_000);
    const [open] = window.snapshot().instances;
    expect(open).toMatchObject({ instanceId: 'i-1', billedS: 60, bootS: 10, idleS: 50 });
    expect(open?.removedAtMs).toBeUndefined();
    expect(written).toEqual([]);
    expect(window.size().instances).toBe(0);
    await part.stop({ graceMs: 0 });
    expect(written).toHaveLength(1);
    window.close();
  });
});
