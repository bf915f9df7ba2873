/**
 * Reads the manager's recorded history (history-log.ts) back: jobs and instances, oldest file
 * first. An instance written open at one stop and again by a later run (adopted after a restart)
 * becomes one record: the later times, busy seconds of both runs.
 *
 * Files are read a line at a time (five full files are 40 MiB), and the strings that repeat from
 * record to record (runner, project, job name, type, lifecycle, result) are kept once.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Interner } from '../../plan/history/job-record.js';
import { describeError, UserError } from '../../platform/errors.js';
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

const SHARED_JOB_FIELDS = ['runner', 'project', 'name', 'instanceType', 'lifecycle', 'result'];
const SHARED_INSTANCE_FIELDS = ['runner', 'instanceType', 'lifecycle', 'removalReason'];

function share(rec: Record<string, unknown>, fields: readonly string[], interner: Interner): void {
  for (const f of fields) {
    const v = rec[f];
    if (typeof v === 'string') rec[f] = interner.string(v);
  }
}

class HistoryReader {
  readonly jobs: RecordedJob[] = [];
  readonly byId = new Map<string, RecordedInstance>();
  readonly interner = new Interner();
  skipped = 0;

  add(line: string): void {
    if (line.trim() === '') return;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      this.skipped++;
      return;
    }
    if (!isObject(rec)) this.skipped++;
    else if (rec['kind'] === 'job' && typeof rec['receivedAtMs'] === 'number') {
      share(rec, SHARED_JOB_FIELDS, this.interner);
      if (Array.isArray(rec['tags'])) rec['tags'] = this.interner.tags(rec['tags'] as string[]);
      this.jobs.push(rec as unknown as RecordedJob);
    } else if (rec['kind'] === 'instance' && typeof rec['launchedAtMs'] === 'number') {
      share(rec, SHARED_INSTANCE_FIELDS, this.interner);
      const inst = rec as unknown as RecordedInstance;
      const key = `${inst.runner}/${inst.instanceId}`;
      const earlier = this.byId.get(key);
      this.byId.set(key, earlier ? mergeInstance(earlier, inst) : inst);
    } else this.skipped++;
  }
}

async function readFileLines(file: string, reader: HistoryReader): Promise<void> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 16 });
  try {
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity }))
      reader.add(line);
  } catch (err: unknown) {
    throw new UserError(`cannot read ${file}: ${describeError(err)}`);
  } finally {
    stream.destroy();
  }
}

export async function readRecordedHistory(dir: string): Promise<RecordedHistory> {
  const files = historyFiles(dir);
  if (files.length === 0) throw new UserError(`no recorded history in ${dir} (history.jsonl)`);
  const reader = new HistoryReader();
  for (const file of files) await readFileLines(file, reader);
  return {
    jobs: reader.jobs,
    instances: [...reader.byId.values()],
    files,
    skipped: reader.skipped,
  };
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
