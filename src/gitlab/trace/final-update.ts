/**
 * The end of a job (gitlab-runner-protocol.md §3.4): flush the whole trace, then
 * `PUT state=success|failed` with checksum and size; 202 → wait the server's interval and ask
 * again; 412 → resend everything. A round GitLab rejects (4xx) is retried with backoff
 * 1 s … 60 min up to `attempts` rounds. A round that gets no answer (connection refused,
 * timeouts, 5xx from a proxy while GitLab restarts) is retried every ≤ 60 s until
 * `maxUnavailableMs` has passed, so an outage at the end of a job loses nothing.
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { backoffDelayMs } from '../../platform/retry.js';
import type { JobRef, RunnerApi, UpdateJobRequest } from '../runner-api.js';
import type { TraceBuffer } from './trace-buffer.js';
import type { TraceSender } from './trace-sender.js';

export const DEFAULT_FINAL_UPDATE_ATTEMPTS = 10;
export const DEFAULT_FINAL_UPDATE_MAX_UNAVAILABLE_MS = 2 * 3600_000;
export const FINAL_UPDATE_BACKOFF_BASE_MS = 1000;
export const FINAL_UPDATE_BACKOFF_MAX_MS = 60 * 60_000;
export const UNAVAILABLE_BACKOFF_MAX_MS = 60_000;
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
  | { kind: 'failed'; error: string; unavailable: boolean };

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
  /** Rounds GitLab may reject before giving up. */
  attempts: number;
  /** How long to keep trying while GitLab does not answer. */
  maxUnavailableMs: number;
  signal?: AbortSignal;
}

/** No answer, or a gateway/server error: GitLab is (re)starting or unreachable. */
function isUnavailable(status: number | undefined): boolean {
  return status === undefined || status >= 500 || status === 408 || status === 429;
}

async function round(deps: FinalUpdateDeps, o: FinalUpdateOptions): Promise<RoundResult> {
  let accepted = 0;
  for (;;) {
    const flushed = await o.sender.flushAll(o.signal);
    if (flushed === 'abort') return { kind: 'aborted' };
    if (flushed === 'failed') {
      const status = o.sender.lastPatchStatus;
      return {
        kind: 'failed',
        error: `trace patch: ${status ?? 'no answer'}`,
        unavailable: isUnavailable(status),
      };
    }
    const r = await deps.api.updateJob(
      o.job,
      { ...o.update, checksum: o.buffer.checksum, bytesize: o.buffer.size },
      o.signal,
    );
    // Rails answers 200 with `Job-Status: failed` to our own `state=failed`: that is delivery.
    if (r.status === 200) return { kind: 'delivered' };
    o.sender.noteUpdate(r);
    switch (r.kind) {
      case 'succeeded':
        return { kind: 'delivered' };
      case 'abort':
        if (r.transportError)
          return { kind: 'failed', error: r.message ?? 'no answer', unavailable: true };
        return { kind: 'aborted', ...(r.remoteStatus ? { remoteStatus: r.remoteStatus } : {}) };
      case 'accepted':
        if (++accepted > MAX_ACCEPTED_PER_ROUND) {
          return { kind: 'failed', error: 'too many 202 answers', unavailable: false };
        }
        await deps.clock.sleep(o.sender.intervalMs, o.signal);
        break;
      case 'trace-validation-failed':
        o.sender.rewind();
        await deps.clock.sleep(o.sender.intervalMs, o.signal);
        break;
      case 'failed': {
        const error = `HTTP ${r.status ?? '?'}${r.message ? `: ${r.message}` : ''}`;
        return { kind: 'failed', error, unavailable: isUnavailable(r.status) };
      }
    }
  }
}

export async function runFinalUpdate(
  deps: FinalUpdateDeps,
  o: FinalUpdateOptions,
): Promise<FinalUpdateOutcome> {
  o.sender.resetInterval();
  const startedAtMs = deps.clock.now();
  let rejected = 0;
  let unavailable = 0;
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
    const exhausted = r.unavailable
      ? deps.clock.now() - startedAtMs >= o.maxUnavailableMs
      : ++rejected >= o.attempts;
    if (exhausted) {
      deps.logger.error({ ...fields, err: r.error }, 'final job update gave up');
      return { kind: 'gave-up', rounds, lastError: r.error };
    }
    const delayMs = r.unavailable
      ? backoffDelayMs(
          ++unavailable,
          FINAL_UPDATE_BACKOFF_BASE_MS,
          UNAVAILABLE_BACKOFF_MAX_MS,
          deps.random,
        )
      : backoffDelayMs(
          rejected,
          FINAL_UPDATE_BACKOFF_BASE_MS,
          FINAL_UPDATE_BACKOFF_MAX_MS,
          deps.random,
        );
    deps.logger.warn({ ...fields, err: r.error, delayMs }, 'final job update failed, retrying');
    await deps.clock.sleep(delayMs, o.signal);
  }
}
