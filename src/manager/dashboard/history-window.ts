/**
 * The dashboard's history in memory: the records of the last `windowMs` (35 days by default),
 * loaded from the history files when the status server starts and kept up to date through
 * History.subscribe, with a cap on the records kept (oldest dropped first) so memory stays bounded
 * whatever the job rate. The instances still running come from the tracker's snapshot, read per
 * request and never kept.
 */
import type { Clock } from '../../platform/clock.js';
import { describeError, UserError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { RecordedJob } from '../../runner/job-recorder.js';
import type { History, HistoryEvent } from '../history/history-part.js';
import type { RecordedInstance } from '../history/instance-tracker.js';
import {
  mergeInstance,
  readRecordedHistory,
  type RecordedHistory,
} from '../history/read-history.js';

export interface HistoryWindowOptions {
  /** The history directory (`<state>/history`); nothing is loaded without one. */
  dir?: string;
  /** Default 35 days. */
  windowMs?: number;
  /** Default 50,000 jobs. */
  maxJobs?: number;
  /** Default 20,000 instances. */
  maxInstances?: number;
}

export interface HistoryWindow {
  /** Loads the files (once); a missing or unreadable history leaves the window empty. */
  load(): Promise<void>;
  /** The window's records, the open instances included (billed up to now). */
  snapshot(): RecordedHistory;
  /** Records kept now (for tests and /status). */
  size(): { jobs: number; instances: number };
  close(): void;
}

const DAY_MS = 24 * 3600_000;
const key = (i: RecordedInstance): string => `${i.runner}/${i.instanceId}`;

const jobKey = (j: RecordedJob): string => `${j.runner}/${j.jobId}/${j.finishedAtMs}`;
const isSame = (a: RecordedInstance | undefined, b: RecordedInstance): boolean =>
  a !== undefined && a.removedAtMs === b.removedAtMs && a.billedS === b.billedS;

function endOf(i: RecordedInstance): number {
  return i.removedAtMs ?? i.launchedAtMs + i.billedS * 1000;
}

export function createHistoryWindow(
  deps: { clock: Clock; logger: Logger; history: History },
  options: HistoryWindowOptions = {},
): HistoryWindow {
  const windowMs = options.windowMs ?? 35 * DAY_MS;
  const maxJobs = options.maxJobs ?? 50_000;
  const maxInstances = options.maxInstances ?? 20_000;
  let jobs: RecordedJob[] = [];
  const instances = new Map<string, RecordedInstance>();
  /** Records that arrived while the files were read; applied after them. */
  let pending: HistoryEvent[] | undefined = [];

  const addInstance = (rec: RecordedInstance): void => {
    const earlier = instances.get(key(rec));
    instances.delete(key(rec));
    instances.set(key(rec), earlier ? mergeInstance(earlier, rec) : rec);
  };
  const apply = (event: HistoryEvent): void => {
    if (event.kind === 'job') jobs.push(event);
    else if (event.kind === 'instance') addInstance(event);
  };
  const prune = (): void => {
    const fromMs = deps.clock.now() - windowMs;
    // Copies only when a job has left the window (every snapshot prunes).
    if (jobs.some((j) => j.finishedAtMs < fromMs))
      jobs = jobs.filter((j) => j.finishedAtMs >= fromMs);
    if (jobs.length > maxJobs) jobs = jobs.slice(jobs.length - maxJobs);
    for (const [k, i] of instances) if (endOf(i) < fromMs) instances.delete(k);
    for (const k of instances.keys()) {
      if (instances.size <= maxInstances) break;
      instances.delete(k);
    }
  };
  let sinceCheck = 0;
  const unsubscribe = deps.history.subscribe((event) => {
    if (pending) {
      pending.push(event);
      return;
    }
    apply(event);
    // Pruning walks everything: every 500 records, and on each snapshot.
    if (++sinceCheck >= 500) {
      sinceCheck = 0;
      prune();
    }
  });

  return {
    async load() {
      if (!pending) return;
      try {
        if (options.dir) {
          const read = await readRecordedHistory(options.dir);
          const fromMs = deps.clock.now() - windowMs;
          jobs = read.jobs.filter((j) => j.finishedAtMs >= fromMs);
          for (const i of read.instances) if (endOf(i) >= fromMs) addInstance(i);
        }
      } catch (err: unknown) {
        if (!(err instanceof UserError))
          deps.logger.warn({ err: describeError(err) }, 'dashboard history not loaded');
      }
      // A record written while the files were read may be in them already.
      const read = new Set(jobs.map(jobKey));
      for (const event of pending) {
        if (event.kind === 'job' && read.has(jobKey(event))) continue;
        if (event.kind === 'instance' && isSame(instances.get(key(event)), event)) continue;
        apply(event);
      }
      pending = undefined;
      prune();
    },
    snapshot() {
      prune();
      const open = deps.history.openInstances();
      const merged = new Map(instances);
      for (const rec of open) {
        const earlier = merged.get(key(rec));
        merged.set(key(rec), earlier ? mergeInstance(earlier, rec) : rec);
      }
      return { jobs: [...jobs], instances: [...merged.values()], files: [], skipped: 0 };
    },
    size: () => ({ jobs: jobs.length, instances: instances.size }),
    close: () => {
      unsubscribe();
    },
  };
}
