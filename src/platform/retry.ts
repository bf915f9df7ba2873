import type { Clock } from './clock.js';
import { throwIfAborted } from './abort.js';

export interface RetryOptions {
  clock: Clock;
  /** Attempts in total, including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Whether an error is worth another attempt. */
  retryable: (err: unknown) => boolean;
  /** A server-requested delay for this error (Retry-After), overriding the backoff. */
  delayFor?: (err: unknown) => number | undefined;
  signal?: AbortSignal;
  /** Source of randomness for jitter (0 ≤ x < 1); Math.random by default. */
  random?: () => number;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Exponential backoff with full jitter: a random delay in [d/2, d], d = base·2^(attempt−1). */
export function backoffDelayMs(
  attempt: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Runs `fn` until it succeeds, fails with a non-retryable error, or attempts run out. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(o.signal);
    try {
      return await fn(attempt);
    } catch (err: unknown) {
      if (attempt >= o.attempts || !o.retryable(err)) throw err;
      const requested = o.delayFor?.(err);
      const delay =
        requested ?? backoffDelayMs(attempt, o.baseDelayMs, o.maxDelayMs, o.random ?? Math.random);
      o.onRetry?.(err, attempt, delay);
      await o.clock.sleep(delay, o.signal);
    }
  }
}
