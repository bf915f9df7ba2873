/**
 * The scale throttle (gitlab-runner 17.0, !4722): a token bucket of instance creations.
 * limit 0 = 100/s, -1 = unlimited; burst 0 = max_instances, or the limit when that is 0.
 */
export class ScaleThrottle {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #lastMs: number;

  constructor(limitPerSec: number, burst: number, maxInstances: number, nowMs: number) {
    const limit = limitPerSec === 0 ? 100 : limitPerSec;
    this.#ratePerMs = limit < 0 ? Number.POSITIVE_INFINITY : limit / 1000;
    const size = burst > 0 ? burst : maxInstances > 0 ? maxInstances : Math.max(1, limit);
    this.#burst = limit < 0 ? Number.POSITIVE_INFINITY : Math.max(1, size);
    this.#tokens = this.#burst;
    this.#lastMs = nowMs;
  }

  #refill(nowMs: number): void {
    if (nowMs > this.#lastMs) {
      this.#tokens = Math.min(this.#burst, this.#tokens + (nowMs - this.#lastMs) * this.#ratePerMs);
      this.#lastMs = nowMs;
    }
  }

  /** Takes up to `n` whole tokens; returns how many were granted. */
  take(n: number, nowMs: number): number {
    this.#refill(nowMs);
    const granted = Math.max(0, Math.min(n, Math.floor(this.#tokens)));
    this.#tokens -= granted;
    return granted;
  }

  /** Milliseconds until at least one token is available (0 when one is). */
  waitMs(nowMs: number): number {
    this.#refill(nowMs);
    if (this.#tokens >= 1) return 0;
    return Math.ceil((1 - this.#tokens) / this.#ratePerMs);
  }
}
