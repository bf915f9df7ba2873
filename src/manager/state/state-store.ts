/**
 * Keeps ManagerState in memory and on disk. Job events are queued for writing at once, coalesced
 * when several arrive together; `received` and `finishing` resolve once their write is done.
 * Instance bookkeeping is written lazily. Implements the runner's JobJournal.
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { describeError } from '../../platform/errors.js';
import type { JobJournal, JournalJob } from '../../runner/journal.js';
import type { UpdateJobRequest } from '../../gitlab/runner-api.js';
import { jobLogFiles } from './job-log-files.js';
import {
  readStateFile,
  writeStateFile,
  type InstanceRecord,
  type JobPhase,
  type JobRecord,
  type ManagerState,
  type RunnerState,
} from './state-file.js';

export interface StateStore {
  readonly state: ManagerState;
  runner(name: string): RunnerState;
  journal(options?: { keepPayload?: boolean }): JobJournal;
  recordInstances(runnerName: string, instances: readonly InstanceRecord[]): void;
  /** Forgets the job and removes its kept log. */
  forgetJob(runnerName: string, jobId: number): void;
  /** Removals an auto scaling group of the runner holds at its MinSize (kept across restarts). */
  heldRemovals(
    runnerName: string,
    groupName: string,
  ): { load(): readonly string[]; save(ids: readonly string[]): void };
  /** Where a job keeps its log beside the state file (job-log-files.ts). */
  jobLogFile(runnerName: string, jobId: number): string;
  /** Resolves once everything recorded so far is on disk (and forgotten job logs are gone). */
  flush(): Promise<void>;
  /** Writes the file now (at start: an unwritable location shows before any job needs it). */
  save(): Promise<void>;
  /** Why the last write failed; undefined once a write succeeds. */
  readonly writeError: string | undefined;
}

export async function openStateStore(
  deps: { clock: Clock; logger: Logger },
  file: string,
): Promise<StateStore> {
  const state = await readStateFile(file, deps.clock.now()).catch((err: unknown) => {
    deps.logger.error({ file, err: describeError(err) }, 'state file unreadable');
    throw err;
  });
  const logs = jobLogFiles(deps, file);
  await logs.sweep(state);
  let writing: Promise<void> = Promise.resolve();
  let removing: Promise<void> = Promise.resolve();
  const removeLog = (runnerName: string, jobId: number): void => {
    removing = removing.then(() => logs.remove(runnerName, jobId));
  };
  let dirty = false;
  let writeError: string | undefined;

  const persist = (): Promise<void> => {
    if (dirty) return writing;
    dirty = true;
    writing = writing.then(async () => {
      dirty = false;
      state.savedAtMs = deps.clock.now();
      try {
        await writeStateFile(file, state);
        writeError = undefined;
      } catch (err: unknown) {
        writeError = describeError(err);
        deps.logger.error({ file, err: writeError }, 'cannot write state file');
      }
    });
    return writing;
  };

  const runner = (name: string): RunnerState => {
    state.runners[name] ??= { instances: {}, jobs: {}, heldRemovals: {} };
    return state.runners[name];
  };

  return {
    state,
    runner,
    journal(options = {}): JobJournal {
      const record = (job: JournalJob, runnerName: string, phase: JobPhase): JobRecord => {
        const rec: JobRecord = {
          id: job.id,
          token: job.token,
          name: job.job_info.name,
          phase,
          acceptedAtMs: deps.clock.now(),
          ...(options.keepPayload ? { payload: job } : {}),
        };
        runner(runnerName).jobs[String(job.id)] = rec;
        return rec;
      };
      const find = (jobId: number): JobRecord | undefined => {
        for (const r of Object.values(state.runners)) {
          const rec = r.jobs[String(jobId)];
          if (rec) return rec;
        }
        return undefined;
      };
      return {
        received(job: JournalJob, runnerName: string): Promise<void> {
          record(job, runnerName, 'received');
          return persist();
        },
        accepted(job: JournalJob, runnerName: string): void {
          const rec = runner(runnerName).jobs[String(job.id)] ?? record(job, runnerName, 'running');
          rec.phase = 'running';
          void persist();
        },
        started(job: JournalJob, instanceId: string, runnerName: string): void {
          const rec = runner(runnerName).jobs[String(job.id)];
          if (rec) rec.instanceId = instanceId;
          const inst = runner(runnerName).instances[instanceId];
          if (inst) inst.hadJobs = true;
          void persist();
        },
        finishing(jobId: number, update: UpdateJobRequest): Promise<void> {
          const rec = find(jobId);
          if (!rec || (update.state !== 'success' && update.state !== 'failed')) {
            return Promise.resolve();
          }
          rec.phase = 'finishing';
          rec.final = {
            state: update.state,
            ...(update.failureReason !== undefined ? { failureReason: update.failureReason } : {}),
            ...(update.exitCode !== undefined ? { exitCode: update.exitCode } : {}),
            ...(update.checksum !== undefined ? { checksum: update.checksum } : {}),
            ...(update.bytesize !== undefined ? { bytesize: update.bytesize } : {}),
          };
          return persist();
        },
        finished(jobId: number): void {
          for (const [runnerName, r] of Object.entries(state.runners)) {
            if (!r.jobs[String(jobId)]) continue;
            delete r.jobs[String(jobId)];
            removeLog(runnerName, jobId);
          }
          void persist();
        },
      };
    },
    recordInstances(runnerName, instances): void {
      const r = runner(runnerName);
      r.instances = Object.fromEntries(instances.map((i) => [i.id, i]));
      void persist();
    },
    forgetJob(runnerName, jobId): void {
      delete runner(runnerName).jobs[String(jobId)];
      removeLog(runnerName, jobId);
      void persist();
    },
    heldRemovals: (runnerName, groupName) => ({
      load: () => [...(state.runners[runnerName]?.heldRemovals[groupName] ?? [])],
      save(ids): void {
        const held = runner(runnerName).heldRemovals;
        if (ids.length > 0) held[groupName] = [...ids];
        else delete held[groupName];
        void persist();
      },
    }),
    jobLogFile: (runnerName, jobId) => logs.path(runnerName, jobId),
    flush: async () => {
      await writing;
      await removing;
    },
    save: () => persist(),
    get writeError() {
      return writeError;
    },
  };
}
