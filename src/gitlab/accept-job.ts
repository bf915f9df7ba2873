/**
 * Two-phase job commit (gitlab-runner-protocol.md §2.6): while capacity for a received job is
 * being prepared, keep the job reserved with `PUT state=pending` (GitLab's ack TTL is 2 min),
 * then accept it with `PUT state=running` once ready. A 400/409 on a keep-alive means GitLab is
 * not holding the job in ack-wait (legacy behaviour, or already accepted): keep-alives stop and
 * acceptance proceeds. If capacity fails, nothing is sent: the ack expires and GitLab re-queues.
 */
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { describeError } from '../platform/errors.js';
import { backoffDelayMs } from '../platform/retry.js';
import { throwIfAborted } from '../platform/abort.js';
import type { JobRef, RunnerApi, UpdateJobResult } from './runner-api.js';

export const DEFAULT_KEEPALIVE_INTERVAL_MS = 60_000;
/** Attempts at `state=running` when GitLab answers with errors (all within the 2-min TTL). */
export const ACCEPT_ATTEMPTS = 5;

export interface AcceptJobOptions<T> {
  /** Resolves when capacity is ready (e.g. the fleet acquisition). */
  waitFor: Promise<T>;
  intervalMs?: number;
  signal?: AbortSignal;
}

export type AcceptJobResult<T> =
  /** Job is ours and running; `cancelRequested` if GitLab already wants it canceled. */
  | { kind: 'accepted'; value: T; cancelRequested: boolean; keepAlives: number }
  /**
   * GitLab will not let us run it (canceled, token expired, ack lost); release `value`.
   * `unavailable`: GitLab never answered the acceptance (it may still hold the job).
   */
  | { kind: 'aborted'; reason: string; value?: T; keepAlives: number; unavailable?: boolean }
  /**
   * Capacity could not be prepared. With `ackWindow` GitLab holds the job for acknowledgement and
   * it was left to expire (GitLab re-queues it); without, GitLab already runs it (no two-phase
   * commit) and the caller must fail it.
   */
  | { kind: 'not-ready'; error: unknown; keepAlives: number; ackWindow: boolean };

type Race<T> = { done: true; value: T } | { done: false; error: unknown } | { tick: true };

export async function acceptJob<T>(
  deps: { api: RunnerApi; clock: Clock; logger: Logger },
  job: JobRef,
  options: AcceptJobOptions<T>,
): Promise<AcceptJobResult<T>> {
  const intervalMs = options.intervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS;
  const log = deps.logger.child({ component: 'accept', jobId: job.id });
  const ready: Promise<Race<T>> = options.waitFor.then(
    (value) => ({ done: true, value }),
    (error: unknown) => ({ done: false, error }),
  );
  let keepAlives = 0;
  let keepAlive = true;
  for (;;) {
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const tick = deps.clock.sleep(intervalMs, signal).then((): Race<T> => ({ tick: true }));
    const next = await Promise.race([ready, tick]);
    stop.abort();
    tick.catch(() => undefined);
    throwIfAborted(options.signal);
    if ('done' in next) {
      if (!next.done) {
        // Without a keep-alive answer yet, ask once whether GitLab holds the job for us at all.
        if (keepAlive && keepAlives === 0) keepAlive = await holdsForAck(deps, job, options.signal);
        if (keepAlive) {
          log.warn({ err: describeError(next.error) }, 'capacity failed, leaving job to expire');
        }
        return { kind: 'not-ready', error: next.error, keepAlives, ackWindow: keepAlive };
      }
      return accept(deps, log, job, next.value, keepAlives, options.signal);
    }
    if (!keepAlive) continue;
    const r = await deps.api.updateJob(job, { state: 'pending' }, options.signal);
    keepAlives++;
    if (r.kind === 'abort') {
      return { kind: 'aborted', reason: describeResult('keep-alive', r), keepAlives };
    }
    if (r.status === 400 || r.status === 409) {
      log.info({ status: r.status }, 'gitlab is not holding the job for acknowledgement');
      keepAlive = false;
    } else if (r.kind !== 'succeeded') {
      log.warn({ result: r.kind, status: r.status }, 'job keep-alive failed');
    }
  }
}

/** One `state=pending`: 200 means GitLab keeps the job in its ack window, 400/409 that it does not. */
async function holdsForAck(
  deps: { api: RunnerApi },
  job: JobRef,
  signal?: AbortSignal,
): Promise<boolean> {
  const r = await deps.api.updateJob(job, { state: 'pending' }, signal);
  return !(r.status === 400 || r.status === 409 || r.kind === 'abort');
}

async function accept<T>(
  deps: { api: RunnerApi; clock: Clock },
  log: Logger,
  job: JobRef,
  value: T,
  keepAlives: number,
  signal?: AbortSignal,
): Promise<AcceptJobResult<T>> {
  for (let attempt = 1; ; attempt++) {
    const r = await deps.api.updateJob(job, { state: 'running' }, signal);
    if (r.kind === 'succeeded') {
      log.info({ keepAlives, cancelRequested: r.cancelRequested }, 'job accepted');
      return { kind: 'accepted', value, cancelRequested: r.cancelRequested, keepAlives };
    }
    const retryable = r.kind === 'failed' && r.status !== 400;
    if (!retryable || attempt >= ACCEPT_ATTEMPTS) {
      const reason = describeResult('accept', r);
      log.warn({ reason }, 'job could not be accepted');
      const unavailable = r.transportError === true || (r.status ?? 0) >= 500;
      return {
        kind: 'aborted',
        reason,
        value,
        keepAlives,
        ...(unavailable ? { unavailable } : {}),
      };
    }
    await deps.clock.sleep(backoffDelayMs(attempt, 1000, 15_000), signal);
  }
}

function describeResult(what: string, r: UpdateJobResult): string {
  const status = r.status !== undefined ? ` HTTP ${r.status}` : '';
  const job = r.remoteStatus ? ` (job ${r.remoteStatus})` : '';
  return `${what}: ${r.kind}${status}${job}${r.message ? `: ${r.message}` : ''}`;
}
