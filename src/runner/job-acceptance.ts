/**
 * Two-phase job commit (protocol §2.6): while capacity is being prepared, keep the job in
 * GitLab's ack window with `state=pending` keep-alives (the window is 2 minutes), then accept it
 * with `state=running`. A GitLab without two-phase commit answers 400 to `pending`: the job is
 * already running there, so keep-alives simply stop.
 */
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { JobRef, RunnerApi } from '../gitlab/runner-api.js';

export interface AcceptanceDeps {
  clock: Clock;
  logger: Logger;
  api: RunnerApi;
}

export const KEEPALIVE_INTERVAL_MS = 50_000;

export type KeepAliveStop = () => void;

/** Sends `pending` keep-alives until stopped; returns the stop function. */
export function startKeepAlive(
  deps: AcceptanceDeps,
  job: JobRef,
  onAbort: () => void,
  intervalMs = KEEPALIVE_INTERVAL_MS,
): KeepAliveStop {
  const ac = new AbortController();
  const loop = async (): Promise<void> => {
    for (;;) {
      const res = await deps.api.updateJob(job, { state: 'pending' }, ac.signal);
      if (res.kind === 'abort') {
        deps.logger.warn({ jobId: job.id }, 'job gone while waiting for capacity');
        onAbort();
        return;
      }
      if (res.kind === 'failed') {
        deps.logger.debug({ jobId: job.id }, 'gitlab has no ack window for this job');
        return;
      }
      await deps.clock.sleep(intervalMs, ac.signal);
    }
  };
  loop().catch((err: unknown) => {
    if (!ac.signal.aborted)
      deps.logger.warn({ jobId: job.id, err: String(err) }, 'keep-alive failed');
  });
  return () => ac.abort();
}

/** Accepts the job (`state=running`). Returns false when GitLab says it is gone. */
export async function acceptJob(deps: AcceptanceDeps, job: JobRef): Promise<boolean> {
  const res = await deps.api.updateJob(job, { state: 'running' });
  if (res.kind === 'abort') return false;
  if (res.kind === 'failed') {
    deps.logger.warn({ jobId: job.id }, 'job acceptance not confirmed; continuing');
  }
  return true;
}
