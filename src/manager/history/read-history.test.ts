import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import { HOUR_MS, recordedJob, T0 } from '../../runner/testing/recorded-job.js';
import { readRecordedHistory } from './read-history.js';
import { recordedInstance, writeRecordedHistory } from './testing/recorded-fixtures.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'read-history-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('reading the recorded history', () => {
  it('reads rotated files line by line in write order and skips a torn last line', async () => {
    const dir = tempDir();
    const jobs = Array.from({ length: 30 }, (_, n) =>
      recordedJob({ jobId: n + 1, project: `g/p${n % 3}`, finishedAtMs: T0 + HOUR_MS + n }),
    );
    writeRecordedHistory(dir, jobs, { maxBytes: 2_000, keep: 50 });
    appendFileSync(join(dir, 'history.jsonl'), '\n{"kind":"job","jobId":99,"rec');
    const read = await readRecordedHistory(dir);
    expect(read.files.length).toBeGreaterThan(3);
    expect(read.jobs.map((j) => j.jobId)).toEqual(jobs.map((j) => j.jobId));
    expect(read.jobs[4]).toEqual(jobs[4]);
    expect(read.skipped).toBe(1);
  });

  it('merges an instance written open at a stop with its record from the next run', async () => {
    const dir = tempDir();
    writeRecordedHistory(dir, [
      recordedInstance({ removedAtMs: undefined, billedS: 3600, busyS: 1000, idleS: 2240 }),
      recordedJob({}),
      recordedInstance({ busyS: 2000, idleS: 4840, interrupted: true }),
    ]);
    const read = await readRecordedHistory(dir);
    expect(read.instances).toHaveLength(1);
    expect(read.instances[0]).toMatchObject({
      removedAtMs: T0 + 2 * HOUR_MS,
      busyS: 3000,
      idleS: 7200 - 360 - 3000,
      interrupted: true,
    });
  });

  it('says so when there is no history', async () => {
    await expect(readRecordedHistory(tempDir())).rejects.toThrow(UserError);
  });
});
