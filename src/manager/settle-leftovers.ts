/**
 * After a crash or restart: jobs the previous run had in hand are still open in GitLab, with
 * nobody working on them. Each is settled by the phase the state file recorded:
 * - `finishing`: the final state was decided (and maybe partly delivered) — re-send exactly that
 *   state; a job that had sent `success` stays `success`;
 * - `running`: append a last trace line saying what happened, then `state=failed,
 *   failure_reason=runner_system_failure` with the stored job token, so `retry:` rules apply
 *   within seconds instead of after GitLab's stuck-job sweep (protocol §8.4);
 * - `received` (never accepted; GitLab may hold it in its ack window): accept it, then as
 *   `running`.
 * Every state goes through the one final-update loop (202 → again; no answer → retry). The
 * decided state is written as `finishing` before it is sent, so a crash during settling re-sends
 * the same state next time. A job GitLab never answered for stays in the file for the next start.
 * When the previous run kept the job's log beside the state file (job-log-files.ts), the part
 * GitLab has not got is sent first (resumed-log.ts), the note is appended to that log, and the
 * state goes with the checksum and size of the whole log; without it, the note alone is sent.
 */
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { describeError } from '../platform/errors.js';
import type { RunnerApi, UpdateJobRequest } from '../gitlab/runner-api.js';
import { acceptJob } from '../gitlab/accept-job.js';
import { errorLine } from '../gitlab/trace/job-log-format.js';
import { createAppendedNote } from '../gitlab/trace/appended-note.js';
import {
  runFinalUpdate,
  type FinalUpdateOutcome,
  type FinalUpdateTrace,
} from '../gitlab/trace/final-update.js';
import { openResumedLog, type ResumedLog } from '../gitlab/trace/resumed-log.js';
import type { JobRecord } from './state/state-file.js';
import type { StateStore } from './state/state-store.js';

export interface LeftoverResult {
  /** Failed as a runner system failure. */
  failed: number[];
  /** The final state the previous run was delivering, delivered now. */
  resent: number[];
  /** Already finished, canceled or unknown in GitLab. */
  gone: number[];
  /** Not settled; `kept` ones stay in the state file for the next start. */
  errors: { jobId: number; error: string; kept: boolean }[];
}

export interface SettleDeps {
  clock: Clock;
  logger: Logger;
  apiFor: (runnerName: string) => RunnerApi | undefined;
  random?: () => number;
}

export interface SettleOptions {
  /** Aborted when the manager stops: unsettled jobs stay in the file. */
  signal?: AbortSignal;
  /** How long each job may wait for an answer from GitLab (default 2 h). */
  maxUnavailableMs?: number;
}

type Settled =
  { kind: 'failed' | 'resent' | 'gone' } | { kind: 'error'; error: string; kept: boolean };

const FAILED: UpdateJobRequest = { state: 'failed', failureReason: 'runner_system_failure' };

function note(job: JobRecord): string {
  const where = job.instanceId ? ` on instance ${job.instanceId}` : '';
  const when = job.phase === 'received' ? 'before this job started' : `while this job ran${where}`;
  return `\n${errorLine(
    `The spotrunner manager stopped unexpectedly ${when}. Failing it as a runner system failure so retry: rules apply.`,
  )}`;
}

function settledBy(outcome: FinalUpdateOutcome, delivered: 'failed' | 'resent'): Settled {
  switch (outcome.kind) {
    case 'delivered':
      return { kind: delivered };
    case 'aborted':
      return { kind: 'gone' };
    case 'gave-up':
      return { kind: 'error', error: outcome.lastError, kept: outcome.retryable };
  }
}

/** The log the previous run kept for the job, if any (an unreadable one is logged and skipped). */
function resumeLog(
  deps: SettleDeps & { api: RunnerApi; log: Logger },
  store: StateStore,
  runnerName: string,
  job: JobRecord,
): ResumedLog | undefined {
  const file = store.jobLogFile(runnerName, job.id);
  try {
    return openResumedLog(
      { clock: deps.clock, logger: deps.log, api: deps.api },
      { id: job.id, token: job.token },
      file,
    );
  } catch (err: unknown) {
    deps.log.warn({ file, err: describeError(err) }, 'cannot read the kept job log');
    return undefined;
  }
}

async function settleJob(
  deps: SettleDeps & { api: RunnerApi; log: Logger },
  store: StateStore,
  runnerName: string,
  job: JobRecord,
  options: SettleOptions,
): Promise<Settled> {
  const kept = resumeLog(deps, store, runnerName, job);
  try {
    return await settleWith(deps, store, job, kept, options);
  } finally {
    kept?.close();
  }
}

async function settleWith(
  deps: SettleDeps & { api: RunnerApi; log: Logger },
  store: StateStore,
  job: JobRecord,
  kept: ResumedLog | undefined,
  options: SettleOptions,
): Promise<Settled> {
  const ref = { id: job.id, token: job.token };
  const loop = {
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxUnavailableMs !== undefined
      ? { maxUnavailableMs: options.maxUnavailableMs }
      : {}),
  };
  const loopDeps = { clock: deps.clock, logger: deps.log, api: deps.api, random: deps.random };
  if (job.phase === 'finishing' && job.final) {
    if (kept && kept.checksum !== job.final.checksum) {
      deps.log.warn(
        { recorded: job.final.checksum, kept: kept.checksum, size: kept.size },
        'kept job log differs from the recorded checksum; sending the kept log',
      );
    }
    const outcome = await runFinalUpdate(loopDeps, {
      job: ref,
      update: job.final,
      ...(kept ? { trace: kept.trace } : {}),
      ...loop,
    });
    return settledBy(outcome, 'resent');
  }
  if (job.phase === 'received') {
    const accepted = await acceptJob(deps, ref, { waitFor: Promise.resolve(), ...loop });
    if (accepted.kind !== 'accepted') {
      const unavailable = accepted.kind === 'aborted' && accepted.unavailable === true;
      if (!unavailable) return { kind: 'gone' };
      return { kind: 'error', error: accepted.reason, kept: true };
    }
  }
  const line = note(job);
  let trace: FinalUpdateTrace;
  if (kept) {
    // In the file before `finishing` is recorded: a second crash re-sends log and note as one.
    kept.append(line);
    await store
      .journal()
      .finishing(job.id, { ...FAILED, checksum: kept.checksum, bytesize: kept.size });
    trace = kept.trace;
  } else {
    await store.journal().finishing(job.id, FAILED);
    trace = createAppendedNote(deps, ref, line);
  }
  const outcome = await runFinalUpdate(loopDeps, { job: ref, update: FAILED, trace, ...loop });
  return settledBy(outcome, 'failed');
}

/** Logs how a job was settled and adds it to `result`; false when it must stay in the file. */
function record(log: Logger, job: JobRecord, settled: Settled, result: LeftoverResult): boolean {
  const fields = { instanceId: job.instanceId, phase: job.phase, state: job.final?.state };
  switch (settled.kind) {
    case 'failed':
      log.warn(fields, 'failed a job left running by a previous run');
      break;
    case 'resent':
      log.info(fields, 'delivered the final state a previous run was sending');
      break;
    case 'gone':
      log.info(fields, 'leftover job already finished in gitlab');
      break;
    case 'error':
      log.error(
        { ...fields, err: settled.error, kept: settled.kept },
        settled.kept
          ? 'cannot settle leftover job; will retry at next start'
          : 'cannot settle leftover job; gitlab refused it',
      );
      result.errors.push({ jobId: job.id, error: settled.error, kept: settled.kept });
      return !settled.kept;
  }
  result[settled.kind].push(job.id);
  return true;
}

export async function settleLeftoverJobs(
  deps: SettleDeps,
  store: StateStore,
  options: SettleOptions = {},
): Promise<LeftoverResult> {
  const result: LeftoverResult = { failed: [], resent: [], gone: [], errors: [] };
  // Taken now: jobs the running manager journals while this settles are not leftovers.
  const leftovers = Object.entries(store.state.runners).flatMap(([runnerName, runner]) =>
    Object.values(runner.jobs).map((job) => ({ runnerName, job })),
  );
  for (const { runnerName, job } of leftovers) {
    if (options.signal?.aborted) break;
    const api = deps.apiFor(runnerName);
    const log = deps.logger.child({ component: 'recovery', runner: runnerName, jobId: job.id });
    if (!api) {
      log.warn({}, 'leftover job belongs to a runner no longer configured; forgetting it');
      store.forgetJob(runnerName, job.id);
      continue;
    }
    let settled: Settled;
    try {
      settled = await settleJob({ ...deps, api, log }, store, runnerName, job, options);
    } catch (err: unknown) {
      settled = { kind: 'error', error: describeError(err), kept: true };
    }
    if (record(log, job, settled, result)) store.forgetJob(runnerName, job.id);
  }
  await store.flush();
  return result;
}
