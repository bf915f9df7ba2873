/**
 * Reads the manager's recorded history (history-log.ts) back: jobs and instances, oldest file
 * first. An instance written open at one stop and again by a later run (adopted after a restart)
 * becomes one record: the later times, busy seconds of both runs.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../../platform/errors.js';
import type { RecordedJob } from '../../runner/job-recorder.js';
import { historyFiles } from './history-log.js';
import type { RecordedInstance } from './instance-tracker.js';

export interface RecordedHistory {
  jobs: RecordedJob[];
  instances: RecordedInstance[];
  files: string[];
  /** Lines that were not records (a torn last line after a crash). */
  skipped: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export async function readRecordedHistory(dir: string): Promise<RecordedHistory> {
  const files = historyFiles(dir);
  if (files.length === 0) throw new UserError(`no recorded history in ${dir} (history.jsonl)`);
  const jobs: RecordedJob[] = [];
  const byId = new Map<string, RecordedInstance>();
  let skipped = 0;
  for (const file of files) {
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch {
        skipped++;
        continue;
      }
      if (!isObject(rec)) skipped++;
      else if (rec['kind'] === 'job' && typeof rec['receivedAtMs'] === 'number')
        jobs.push(rec as unknown as RecordedJob);
      else if (rec['kind'] === 'instance' && typeof rec['launchedAtMs'] === 'number') {
        const inst = rec as unknown as RecordedInstance;
        const key = `${inst.runner}/${inst.instanceId}`;
        const earlier = byId.get(key);
        byId.set(key, earlier ? mergeInstance(earlier, inst) : inst);
      } else skipped++;
    }
  }
  return { jobs, instances: [...byId.values()], files, skipped };
}

/** One instance written open at a stop and again by a later run, as one record. */
export function mergeInstance(
  earlier: RecordedInstance,
  later: RecordedInstance,
): RecordedInstance {
  const busyS = Math.min(later.billedS - later.bootS, earlier.busyS + later.busyS);
  return {
    ...later,
    busyS,
    idleS: Math.max(0, later.billedS - later.bootS - busyS),
    interrupted: earlier.interrupted || later.interrupted,
    jobs: Math.max(earlier.jobs, later.jobs),
  };
}
