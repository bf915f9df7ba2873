/**
 * The one loop that delivers a job's final state (gitlab-runner-protocol.md §3.3, §3.4, §3.6),
 * used by every path that ends a job: the normal end, failing a job whose payload cannot be read,
 * and settling the jobs a crashed run left. Each round flushes the rest of the trace (when there
 * is one), then sends `PUT state=success|failed`:
 * - 200 ends it (delivered); 403, 404 or `Job-Status: canceled|failed` end it (aborted: the job
 *   is no longer ours — finished, canceled or gone);
 * - 202 means "trace still being persisted": wait `X-GitLab-Trace-Update-Interval` and send again;
 * - 412 resends the whole trace, then the state;
 * - no answer (connection refused, timeout) or 408/429/5xx is GitLab being unavailable, never
 *   "already finished": retried every ≤ 60 s (jittered backoff) until `maxUnavailableMs`;
 * - any other answer (400, 409, …) is a rejected round, retried with backoff 1 s … 60 min up to
 *   `attempts` rounds.
 * A run of 202s counts against `maxUnavailableMs` too (Rails finalises after 5 min anyway).
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { backoffDelayMs } from '../../platform/retry.js';
import type { JobRef, RunnerApi, UpdateJobRequest, UpdateJobResult } from '../runner-api.js';
import type { TraceBuffer } from './trace-buffer.js';
import { DEFAULT_UPDATE_INTERVAL_MS, type TraceSender } from './trace-sender.js';

export const DEFAULT_FINAL_UPDATE_ATTEMPTS = 10;
export const DEFAULT_FINAL_UPDATE_MAX_UNAVAILABLE_MS = 2 * 3600_000;
export const FINAL_UPDATE_BACKOFF_BASE_MS = 1000;
export const FINAL_UPDATE_BACKOFF_MAX_MS = 60 * 60_000;
export const UNAVAILABLE_BACKOFF_MAX_MS = 60_000;

export type FinalUpdateOutcome =
  /** GitLab confirmed the final state (200). */
  | { kind: 'delivered'; rounds: number }
  /** GitLab says the job is no longer ours (403 / Job-Status canceled|failed / 404). */
  | { kind: 'aborted'; rounds: number; remoteStatus?: string }
  /**
   * Every round failed. `retryable`: GitLab never gave a verdict (unreachable, or still
   * persisting the trace), so a later attempt (the next start) may still deliver the state.
   */
  | { kind: 'gave-up'; rounds: number; lastError: string; retryable: boolean };

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

/**
 * The log the final state goes with: flushed before each PUT; its checksum and size, when known,
 * are sent with the state. A job's TraceSender over its buffer (`jobLogFinalTrace`), or a note
 * appended to a log written by an earlier run (`createAppendedNote`).
 */
export interface FinalUpdateTrace extends Pick<
  TraceSender,
  'flushAll' | 'noteUpdate' | 'rewind' | 'resetInterval' | 'intervalMs' | 'lastPatchStatus'
> {
  readonly checksum: string | undefined;
  readonly size: number | undefined;
}

/** The whole job log as kept by JobTrace. */
export function jobLogFinalTrace(buffer: TraceBuffer, sender: TraceSender): FinalUpdateTrace {
  return {
    flushAll: (signal) => sender.flushAll(signal),
    noteUpdate: (r) => sender.noteUpdate(r),
    rewind: () => sender.rewind(),
    resetInterval: () => sender.resetInterval(),
    get intervalMs() {
      return sender.intervalMs;
    },
    get lastPatchStatus() {
      return sender.lastPatchStatus;
    },
    get checksum() {
      return buffer.checksum;
    },
    get size() {
      return buffer.size;
    },
  };
}

export interface FinalUpdateOptions {
  job: JobRef;
  /** The state to deliver; `checksum`/`bytesize` are taken from `trace` when there is one. */
  update: UpdateJobRequest;
  /** Absent when the log is not ours to send (recovery after a restart). */
  trace?: FinalUpdateTrace;
  /** Rounds GitLab may reject before giving up. */
  attempts?: number;
  /** How long to keep trying while GitLab does not give a verdict. */
  maxUnavailableMs?: number;
  signal?: AbortSignal;
}

/** No answer, or a gateway/server error: GitLab is (re)starting or unreachable. */
function isUnavailable(r: { status?: number | undefined; transportError?: boolean }): boolean {
  const s = r.status;
  return r.transportError === true || s === undefined || s >= 500 || s === 408 || s === 429;
}

/** The update as sent: with the trace's checksum and size when the trace knows them. */
function finalRequest(o: FinalUpdateOptions): UpdateJobRequest {
  const checksum = o.trace?.checksum;
  const size = o.trace?.size;
  return {
    ...o.update,
    ...(checksum !== undefined ? { checksum } : {}),
    ...(size !== undefined ? { bytesize: size } : {}),
  };
}

async function flush(o: FinalUpdateOptions): Promise<RoundResult | undefined> {
  if (!o.trace) return undefined;
  const flushed = await o.trace.flushAll(o.signal);
  if (flushed === 'abort') return { kind: 'aborted' };
  if (flushed === 'failed') {
    const status = o.trace.lastPatchStatus;
    return {
      kind: 'failed',
      error: `trace patch: ${status ?? 'no answer'}`,
      unavailable: isUnavailable({ status }),
    };
  }
  return undefined;
}

/** How long to wait before sending again after a 202 or 412. */
function intervalAfter(o: FinalUpdateOptions, r: UpdateJobResult): number {
  if (o.trace) return o.trace.intervalMs;
  return r.updateIntervalMs ?? DEFAULT_UPDATE_INTERVAL_MS;
}

interface LoopState {
  startedAtMs: number;
  accepted: number;
}

async function round(
  deps: FinalUpdateDeps,
  o: FinalUpdateOptions,
  loop: LoopState,
  maxUnavailableMs: number,
): Promise<RoundResult> {
  for (;;) {
    const flushFailed = await flush(o);
    if (flushFailed) return flushFailed;
    const r = await deps.api.updateJob(o.job, finalRequest(o), o.signal);
    // Rails answers 200 with `Job-Status: failed` to our own `state=failed`: that is delivery.
    if (r.status === 200) return { kind: 'delivered' };
    o.trace?.noteUpdate(r);
    switch (r.kind) {
      case 'succeeded':
        return { kind: 'delivered' };
      case 'abort':
        return { kind: 'aborted', ...(r.remoteStatus ? { remoteStatus: r.remoteStatus } : {}) };
      case 'accepted':
        loop.accepted++;
        if (deps.clock.now() - loop.startedAtMs >= maxUnavailableMs) {
          return { kind: 'failed', error: 'still 202 Accepted', unavailable: true };
        }
        deps.logger.debug(
          { jobId: o.job.id, accepted: loop.accepted },
          'final job update accepted; sending again',
        );
        await deps.clock.sleep(intervalAfter(o, r), o.signal);
        break;
      case 'trace-validation-failed':
        o.trace?.rewind();
        await deps.clock.sleep(intervalAfter(o, r), o.signal);
        break;
      case 'failed': {
        const what = r.transportError ? 'no answer' : `HTTP ${r.status ?? '?'}`;
        const error = `${what}${r.message ? `: ${r.message}` : ''}`;
        return { kind: 'failed', error, unavailable: isUnavailable(r) };
      }
    }
  }
}

/** Delivers the final state; resolves once GitLab has it, refused it, or it gave up. */
export async function runFinalUpdate(
  deps: FinalUpdateDeps,
  o: FinalUpdateOptions,
): Promise<FinalUpdateOutcome> {
  o.trace?.resetInterval();
  const attempts = o.attempts ?? DEFAULT_FINAL_UPDATE_ATTEMPTS;
  const maxUnavailableMs = o.maxUnavailableMs ?? DEFAULT_FINAL_UPDATE_MAX_UNAVAILABLE_MS;
  const loop: LoopState = { startedAtMs: deps.clock.now(), accepted: 0 };
  let rejected = 0;
  let unavailable = 0;
  for (let rounds = 1; ; rounds++) {
    const r = await round(deps, o, loop, maxUnavailableMs);
    const fields = { jobId: o.job.id, state: o.update.state, rounds, accepted: loop.accepted };
    if (r.kind === 'delivered') {
      deps.logger.info({ ...fields, bytes: o.trace?.size }, 'final job update delivered');
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
      ? deps.clock.now() - loop.startedAtMs >= maxUnavailableMs
      : ++rejected >= attempts;
    if (exhausted) {
      deps.logger.error({ ...fields, err: r.error }, 'final job update gave up');
      return { kind: 'gave-up', rounds, lastError: r.error, retryable: r.unavailable };
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
