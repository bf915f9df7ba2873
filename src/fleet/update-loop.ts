import { describeError } from '../platform/errors.js';
import type { InstanceInfo } from '../providers/provider.js';
import type { FleetCore } from './fleet-core.js';
import type { Readiness } from './readiness.js';
import type { Reconciler } from './reconcile.js';
import type { Scaler } from './scaler.js';

/** How long identical listings are polled at update_interval_when_expecting before backing off. */
export const STEADY_POLLING_MS = 30_000;

/**
 * Polls `provider.update()` every update_interval, or update_interval_when_expecting while a
 * change is expected, then decides and applies scaling. Provider errors are logged and retried
 * on the next tick; they never end the loop.
 *
 * While a change is expected but the listing stays the same (an instance stuck pending, a group
 * out of capacity, a slow termination), polling backs off: after STEADY_POLLING_MS of identical
 * listings (a typical boot), the next poll comes after half the time the listing has been
 * unchanged beyond that, never sooner than update_interval_when_expecting nor later than
 * update_interval. A changed listing, or a new increase or decrease, starts again at
 * update_interval_when_expecting. Start deadlines and deletion retries still get a poll on time.
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
  #lastListing: string | undefined;
  /** Since when the listing has stayed the same (or the last increase/decrease). */
  #unchangedSinceMs = 0;

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
    const now = this.#core.clock.now();
    this.#unchangedSinceMs = now;
    const at = now + this.#core.opts.updateIntervalWhenExpectingMs;
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
      this.#noteListing(infos);
      this.#reconciler.apply(infos, !this.#initialDone);
      this.#initialDone = true;
      core.lastError = undefined;
    } catch (err: unknown) {
      if (this.#signal?.aborted) {
        core.logger.debug({ err: describeError(err) }, 'provider update abandoned at stop');
        return;
      }
      core.lastError = describeError(err);
      core.logger.error({ err: core.lastError }, 'provider update failed');
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
      this.#core.logger.error({ err: describeError(err) }, 'fleet evaluation failed');
    }
    if (this.#nextTickAtMs === Number.POSITIVE_INFINITY) this.#setTick(this.#nextTickAt());
  }

  /**
   * update_interval, or while a change is expected the backed-off expecting interval; brought
   * forward to the next start deadline or deletion retry, so those are not delayed by it.
   */
  #nextTickAt(): number {
    const core = this.#core;
    const o = core.opts;
    const now = core.clock.now();
    if (!core.expecting()) return now + o.updateIntervalMs;
    const due = Math.min(this.#readiness.nextStallCheckAtMs, this.#scaler.nextDueAtMs());
    const backedOff = now + this.#expectingIntervalMs();
    return Math.min(backedOff, Math.max(due, now + o.updateIntervalWhenExpectingMs));
  }

  #noteListing(infos: readonly InstanceInfo[]): void {
    const listing = listingKey(infos);
    if (listing === this.#lastListing) return;
    this.#lastListing = listing;
    this.#unchangedSinceMs = this.#core.clock.now();
  }

  /** update_interval_when_expecting for a while, then half the time unchanged beyond that. */
  #expectingIntervalMs(): number {
    const o = this.#core.opts;
    const unchangedMs = this.#core.clock.now() - this.#unchangedSinceMs;
    const backedOff = Math.min(o.updateIntervalMs, (unchangedMs - STEADY_POLLING_MS) / 2);
    return Math.max(o.updateIntervalWhenExpectingMs, Math.round(backedOff));
  }

  #setTick(atMs: number): void {
    this.#cancelTick?.();
    this.#nextTickAtMs = atMs;
    const clock = this.#core.clock;
    this.#cancelTick = clock.schedule(atMs - clock.now(), () => void this.#tick());
  }
}

/** What a poll saw, for telling whether anything changed since the previous one. */
function listingKey(infos: readonly InstanceInfo[]): string {
  let key = '';
  for (const i of infos) {
    const notice = i.interruption ? `${i.interruption.kind}@${i.interruption.deadlineMs}` : '';
    key += `${i.id}|${i.state}|${i.detail ?? ''}|${notice}\n`;
  }
  return key;
}
