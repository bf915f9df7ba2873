import { describeError } from '../platform/errors.js';
import type { FleetCore } from './fleet-core.js';
import type { Readiness } from './readiness.js';
import type { Reconciler } from './reconcile.js';
import type { Scaler } from './scaler.js';

/**
 * Polls `provider.update()` every update_interval, or update_interval_when_expecting while a
 * change is expected, then decides and applies scaling. Provider errors are logged and retried
 * on the next tick; they never end the loop.
 */
export class UpdateLoop {
  readonly #core: FleetCore;
  readonly #reconciler: Reconciler;
  readonly #readiness: Readiness;
  readonly #scaler: Scaler;
  #signal: AbortSignal | undefined;
  #running = false;
  #initialDone = false;
  #polling: Promise<void> | undefined;
  #followUp: Promise<void> | undefined;
  #cancelTick: (() => void) | undefined;
  #nextTickAtMs = Number.POSITIVE_INFINITY;

  constructor(core: FleetCore, reconciler: Reconciler, readiness: Readiness, scaler: Scaler) {
    this.#core = core;
    this.#reconciler = reconciler;
    this.#readiness = readiness;
    this.#scaler = scaler;
  }

  /** Polls once (adopting what exists), then keeps polling until stop(). */
  async start(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    this.#running = true;
    await this.#tick();
  }

  stop(): void {
    this.#running = false;
    this.#cancelTick?.();
    this.#cancelTick = undefined;
    this.#nextTickAtMs = Number.POSITIVE_INFINITY;
  }

  /** Brings the next poll forward to update_interval_when_expecting. */
  expectChange(): void {
    if (!this.#running) return;
    const at = this.#core.clock.now() + this.#core.opts.updateIntervalWhenExpectingMs;
    if (at < this.#nextTickAtMs) this.#setTick(at);
  }

  /** Polls the provider now (one poll at a time; concurrent callers share it). */
  poll(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  /**
   * A poll that starts after this call: when one is already in flight (its listing may predate
   * what the caller just learned, e.g. an interruption notice), one more follows it.
   */
  pollFresh(): Promise<void> {
    if (!this.#polling) return this.poll();
    this.#followUp ??= this.#polling.then(() => {
      this.#followUp = undefined;
      return this.poll();
    });
    return this.#followUp;
  }

  async #poll(): Promise<void> {
    const core = this.#core;
    try {
      const infos = await core.provider.update(this.#signal);
      this.#reconciler.apply(infos, !this.#initialDone);
      this.#initialDone = true;
      core.lastError = undefined;
    } catch (err: unknown) {
      if (this.#signal?.aborted) {
        core.logger.debug({ error: describeError(err) }, 'provider update abandoned at stop');
        return;
      }
      core.lastError = describeError(err);
      core.logger.error({ error: core.lastError }, 'provider update failed');
    }
  }

  async #tick(): Promise<void> {
    this.#cancelTick = undefined;
    this.#nextTickAtMs = Number.POSITIVE_INFINITY;
    await this.poll();
    if (!this.#running) return;
    try {
      this.#readiness.expireStalled();
      this.#scaler.withdrawStaleRequests();
      this.#scaler.flushDeletions();
      this.#scaler.evaluate();
    } catch (err: unknown) {
      // A bug, not a provider fault: report it loudly but keep the loop alive.
      this.#core.logger.error({ error: describeError(err) }, 'fleet evaluation failed');
    }
    const o = this.#core.opts;
    const interval = this.#core.expecting() ? o.updateIntervalWhenExpectingMs : o.updateIntervalMs;
    if (this.#nextTickAtMs === Number.POSITIVE_INFINITY) {
      this.#setTick(this.#core.clock.now() + interval);
    }
  }

  #setTick(atMs: number): void {
    this.#cancelTick?.();
    this.#nextTickAtMs = atMs;
    const clock = this.#core.clock;
    this.#cancelTick = clock.schedule(atMs - clock.now(), () => void this.#tick());
  }
}
