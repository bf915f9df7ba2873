/**
 * The end of a job (gitlab-runner-protocol.md §3.4): flush the whole trace, then
 * `PUT state=success|failed` with checksum and size; 202 → wait the server's interval and ask
 * again; 412 → resend everything; a failed round (GitLab down, 5xx, timeouts) is retried with
 * backoff 1 s … 60 min, up to `attempts` rounds, keeping every byte until it is delivered.
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { backoffDelayMs } from '../../platform/retry.js';
import type { JobRef, RunnerApi, UpdateJobRequest } from '../runner-api.js';
import type { TraceBuffer } from './trace-buffer.js';
import type { TraceSender } from './trace-sender.js';

export const DEFAULT_FINAL_UPDATE_ATTEMPTS = 10;
export const FINAL_UPDATE_BACKOFF_BASE_MS = 1000;
export const FINAL_UPDATE_BACKOFF_MAX_MS = 60 * 60_000;
/** 202 answers tolerated in one round (Rails finalises after 5 min anyway). */
const MAX_ACCEPTED_PER_ROUND = 100;

export type FinalUpdateOutcome =
  /** GitLab confirmed the final state (200). */
  | { kind: 'delivered'; rounds: number }
  /** GitLab says the job is no longer ours (403 / Job-Status canceled|failed / 404). */
  | { kind: 'aborted'; rounds: number; remoteStatus?: string }
  /** Every round failed; the trace and state could not be delivered. */
  | { kind: 'gave-up'; rounds: number; lastError: string };

type RoundResult =
  | { kind: 'delivered' }
  | { kind: 'aborted'; remoteStatus?: string }
  | { kind: 'failed'; error: string };

export interface FinalUpdateDeps {
  clock: Clock;
  logger: Logger;
  api: RunnerApi;
  random?: () => number;
}

export interface FinalUpdateOptions {
  job: JobRef;
  buffer: TraceBuffer;
  sender: TraceSender;
  update: UpdateJobRequest;
  attempts: number;
  signal?: AbortSignal;
}

async function round(deps: FinalUpdateDeps, o: FinalUpdateOptions): Promise<RoundResult> {
  let accepted = 0;
  for (;;) {
    const flushed = await o.sender.flushAll(o.signal);
    if (flushed === 'abort') return { kind: 'aborted' };
    if (flushed === 'failed') return { kind: 'failed', error: 'trace patch failed' };
    const r = await deps.api.updateJob(
      o.job,
      { ...o.update, checksum: o.buffer.checksum, bytesize: o.buffer.size },
      o.signal,
    );
    o.sender.noteUpdate(r);
    switch (r.kind) {
      case 'succeeded':
        return { kind: 'delivered' };
      case 'abort':
        if (r.transportError) return { kind: 'failed', error: r.message ?? 'transport error' };
        return { kind: 'aborted', ...(r.remoteStatus ? { remoteStatus: r.remoteStatus } : {}) };
      case 'accepted':
        if (++accepted > MAX_ACCEPTED_PER_ROUND) return { kind: 'failed', error: 'too many 202' };
        await deps.clock.sleep(o.sender.intervalMs, o.signal);
        break;
      case 'trace-validation-failed':
        o.sender.rewind();
        await deps.clock.sleep(o.sender.intervalMs, o.signal);
        break;
      case 'failed':
        return {
          kind: 'failed',
          error: `HTTP ${r.status ?? '?'}${r.message ? `: ${r.message}` : ''}`,
        };
    }
  }
}

export async function runFinalUpdate(
  deps: FinalUpdateDeps,
  o: FinalUpdateOptions,
): Promise<FinalUpdateOutcome> {
  o.sender.resetInterval();
  for (let rounds = 1; ; rounds++) {
    const r = await round(deps, o);
    const fields = { jobId: o.job.id, state: o.update.state, rounds };
    if (r.kind === 'delivered') {
      deps.logger.info({ ...fields, bytes: o.buffer.size }, 'final job update delivered');
      return { kind: 'delivered', rounds };
    }
    if (r.kind === 'aborted') {
      deps.logger.warn(
        { ...fields, jobStatus: r.remoteStatus },
        'final job update aborted by gitlab',
      );
      return {
        kind: 'aborted',
        rounds,
        ...(r.remoteStatus ? { remoteStatus: r.remoteStatus } : {}),
      };
    }
    const lastError = r.error;
    if (rounds >= o.attempts) {
      deps.logger.error({ ...fields, err: lastError }, 'final job update gave up');
      return { kind: 'gave-up', rounds, lastError };
    }
    const delayMs = backoffDelayMs(
      rounds,
      FINAL_UPDATE_BACKOFF_BASE_MS,
      FINAL_UPDATE_BACKOFF_MAX_MS,
      deps.random ?? Math.random,
    );
    deps.logger.warn({ ...fields, err: lastError, delayMs }, 'final job update failed, retrying');
    await deps.clock.sleep(delayMs, o.signal);
  }
}
