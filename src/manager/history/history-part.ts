/**
 * The manager part that records history (history-log.ts): every finished job, handed over by the
 * runners through the JobRecorder port, and every instance, followed by polling each runner's
 * fleet.status() (instance-tracker.ts; busy time from the jobs' run intervals). Instances still there at stop are written as open
 * records (no removedAtMs). Listeners (the /metrics histograms) see each record as written.
 */
import type { Clock } from '../../platform/clock.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { JobRecorder, RecordedJob } from '../../runner/job-recorder.js';
import type { ManagerStatus } from '../manager.js';
import { createPart, type ManagerPart } from '../parts.js';
import type { HistoryLog } from './history-log.js';
import { createInstanceTracker, type Readied, type RecordedInstance } from './instance-tracker.js';

export type HistoryEvent = RecordedJob | RecordedInstance | ({ kind: 'ready' } & Readied);

export interface History {
  /** Where the records are written (history-log.ts). */
  readonly dir: string;
  recorder: JobRecorder;
  /** Calls `fn` with every record from now on; returns an unsubscribe. */
  subscribe(fn: (event: HistoryEvent) => void): () => void;
  part(manager: { status(): Pick<ManagerStatus, 'runners'> }): ManagerPart;
  /** The instances followed now, as open records up to now; what is written stays the same. */
  openInstances(): RecordedInstance[];
}

export function createHistory(
  deps: { clock: Clock; logger: Logger },
  log: HistoryLog,
  everyMs = 2_000,
): History {
  const tracker = createInstanceTracker();
  const listeners = new Set<(event: HistoryEvent) => void>();
  let written = 0;
  let failed = 0;
  const emit = (event: HistoryEvent): void => {
    if (event.kind !== 'ready') {
      try {
        log.append(event);
        written++;
      } catch (err: unknown) {
        failed++;
        deps.logger.warn({ err: describeError(err) }, 'history record not written');
      }
    }
    for (const fn of listeners) fn(event);
  };
  return {
    dir: log.dir,
    recorder: {
      jobFinished: (job) => {
        for (const run of job.runs ?? [])
          tracker.jobRan(job.runner, run.instanceId, run.startedAtMs, run.endedAtMs);
        emit(job);
      },
    },
    openInstances: () => tracker.snapshot(deps.clock.now()),
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    part(manager) {
      let cancel = (): void => undefined;
      const poll = (): void => {
        const now = deps.clock.now();
        for (const r of manager.status().runners) {
          if (!r.fleet) continue;
          const gone = tracker.poll(r.name, r.fleet.instances, now);
          for (const ready of tracker.readied) emit({ kind: 'ready', ...ready });
          for (const rec of gone) emit(rec);
        }
      };
      const tick = (): void => {
        poll();
        cancel = deps.clock.schedule(everyMs, tick);
      };
      return createPart(
        'history',
        {
          start: () => {
            poll();
            cancel = deps.clock.schedule(everyMs, tick);
          },
          stop: () => {
            cancel();
            poll();
            for (const rec of tracker.flush(deps.clock.now())) emit(rec);
          },
          status: () => ({ dir: log.dir, everyMs, written, failed }),
        },
        { outlivesRunners: true },
      );
    },
  };
}
