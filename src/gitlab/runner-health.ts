/**
 * Per-runner health (gitlab-runner `commands/health_helper.go`): after `limit` consecutive
 * unhealthy `jobs/request` results (403 or transport errors) the runner stops asking GitLab for
 * `unhealthyIntervalMs`; any healthy result resets the count.
 */
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';

export const DEFAULT_UNHEALTHY_REQUESTS_LIMIT = 3;
export const DEFAULT_UNHEALTHY_INTERVAL_MS = 60 * 60_000;

export interface RunnerHealthOptions {
  unhealthyRequestsLimit?: number;
  unhealthyIntervalMs?: number;
}

export interface RunnerHealth {
  /** Whether a job request may be sent now. */
  canRequest(): boolean;
  /** Records the `healthy` flag of one request result. */
  record(healthy: boolean): void;
  /** When requests resume, if paused. */
  readonly pausedUntilMs: number | undefined;
  readonly consecutiveFailures: number;
}

export function createRunnerHealth(
  deps: { clock: Clock; logger: Logger },
  options: RunnerHealthOptions = {},
): RunnerHealth {
  const limit = options.unhealthyRequestsLimit ?? DEFAULT_UNHEALTHY_REQUESTS_LIMIT;
  const intervalMs = options.unhealthyIntervalMs ?? DEFAULT_UNHEALTHY_INTERVAL_MS;
  let failures = 0;
  let lastFailureAtMs = 0;

  const pausedUntil = (): number | undefined =>
    failures >= limit ? lastFailureAtMs + intervalMs : undefined;

  return {
    canRequest(): boolean {
      const until = pausedUntil();
      if (until === undefined) return true;
      if (deps.clock.now() < until) return false;
      failures = 0;
      return true;
    },
    record(healthy: boolean): void {
      if (healthy) {
        failures = 0;
        return;
      }
      failures++;
      lastFailureAtMs = deps.clock.now();
      if (failures === limit) {
        deps.logger.warn(
          { failures, pauseMs: intervalMs },
          'runner is unhealthy, pausing job requests',
        );
      }
    },
    get pausedUntilMs(): number | undefined {
      return pausedUntil();
    },
    get consecutiveFailures(): number {
      return failures;
    },
  };
}
