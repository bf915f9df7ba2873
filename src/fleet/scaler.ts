import { describeError } from '../platform/errors.js';
import type { ActivePolicy } from './active-policy.js';
import type { FleetCore } from './fleet-core.js';
import type { FleetInstance } from './fleet-instance.js';
import { computeIdleTarget } from './idle-target.js';
import type { Readiness } from './readiness.js';
import { computeRequiredInstances, type CapacityInfo } from './required-instances.js';
import { protectedReservations } from './reservation-throttle.js';
import { planScaleDown } from './scale-down.js';
import { ScaleThrottle } from './scale-throttle.js';

/**
 * Decides and applies scaling: compares required instances with what exists (taskscaler
 * `desired()`/`scale()`), asks the provider for more (throttled, backed off after ready-up
 * failures), removes expired idle instances, and issues and retries deletions.
 */
export class Scaler {
  readonly #core: FleetCore;
  readonly #readiness: Readiness;
  #throttle: ScaleThrottle | undefined;
  #increasing = false;
  #deleting = false;
  #withdrawing = false;
  /** No increase before this time (after a provider shortfall or error). */
  #holdUntilMs = 0;
  #wakeAtMs = Number.POSITIVE_INFINITY;
  #cancelWake: (() => void) | undefined;
  #loggedDelta = 0;
  #loggedCount = -1;
  #policyIndex = Number.NaN;
  /** Called when an increase was issued, so the poll loop can speed up. */
  onExpecting: () => void = () => undefined;

  constructor(core: FleetCore, readiness: Readiness) {
    this.#core = core;
    this.#readiness = readiness;
  }

  start(): void {
    const o = this.#core.opts;
    this.#throttle = new ScaleThrottle(
      o.scaleThrottleLimitPerSec,
      o.scaleThrottleBurst,
      this.#core.maxInstances,
      this.#core.clock.now(),
    );
  }

  stop(): void {
    this.#cancelWake?.();
    this.#cancelWake = undefined;
    this.#wakeAtMs = Number.POSITIVE_INFINITY;
  }

  active(): ActivePolicy {
    return this.#core.policies.get(this.#core.clock.now());
  }

  capacityInfo(active: ActivePolicy = this.active()): CapacityInfo {
    const core = this.#core;
    const b = core.book;
    const idleTarget = computeIdleTarget(active.policy, b.acquired);
    return {
      instanceCount: b.counted + core.requested,
      maxInstanceCount: core.maxInstances,
      acquired: b.acquired,
      unavailableCapacity: b.unavailable,
      pending: core.waiters.size,
      reserved: protectedReservations({
        reserved: core.reservations.size,
        freeSlots: b.freeSlots,
        idleTarget,
        capacityPerInstance: core.opts.capacityPerInstance,
        throttling: core.opts.reservationThrottling,
      }),
      idleTarget,
      capacityPerInstance: core.opts.capacityPerInstance,
    };
  }

  evaluate(): void {
    const core = this.#core;
    if (!core.accepting || !this.#throttle) return;
    const active = this.active();
    if (active.index !== this.#policyIndex) this.#logPolicy(active);
    const info = this.capacityInfo(active);
    const { delta } = computeRequiredInstances(info);
    if (delta > 0) {
      this.#scaleUp(delta, () => this.#logChange(info, delta, active));
    } else if (delta < 0) {
      this.#scaleDown(-delta, active.policy.idleTimeMs, () => this.#logChange(info, delta, active));
    }
  }

  #logPolicy(active: ActivePolicy): void {
    this.#policyIndex = active.index;
    const { idleCount, idleTimeMs, preemptiveMode } = active.policy;
    const fields = { policyIndex: active.index, idleCount, idleTimeMs, preemptiveMode };
    if (active.fallback) {
      this.#core.logger.warn(
        fields,
        'no policy period matches now, using idle_count 0 idle_time 5m',
      );
    } else {
      this.#core.logger.info(fields, 'active policy changed');
    }
  }

  /**
   * Logged when a change is acted on (an increase issued, instances marked for removal), not on
   * every job event: a busy fleet re-evaluates thousands of times a minute.
   */
  #logChange(info: CapacityInfo, delta: number, active: ActivePolicy): void {
    if (delta === this.#loggedDelta && info.instanceCount === this.#loggedCount) return;
    this.#loggedDelta = delta;
    this.#loggedCount = info.instanceCount;
    const { idleCount, scaleFactor, scaleFactorLimit } = active.policy;
    this.#core.logger.info(
      { capacityInfo: { ...info, idleCount, scaleFactor, scaleFactorLimit }, required: delta },
      'required scaling change',
    );
  }

  /** `acting` runs just before an increase is issued. */
  #scaleUp(wanted: number, acting: () => void): void {
    const core = this.#core;
    if (this.#increasing) return;
    const now = core.clock.now();
    const holdUntil = Math.max(this.#holdUntilMs, this.#readiness.backoffUntilMs);
    if (now < holdUntil) {
      this.#wakeAt(holdUntil);
      return;
    }
    const granted = this.#throttle!.take(wanted, now);
    if (granted < wanted) this.#wakeAt(now + Math.max(1, this.#throttle!.waitMs(now)));
    if (granted === 0) return;
    acting();
    core.noteRequested(granted);
    core.counters.instancesRequested += granted;
    this.#increasing = true;
    this.onExpecting();
    core.provider.increase(granted).then(
      (got) => this.#increased(granted, got),
      (err: unknown) => this.#increased(granted, 0, err),
    );
  }

  #increased(asked: number, got: number, err?: unknown): void {
    const core = this.#core;
    this.#increasing = false;
    const real = Math.max(0, Math.min(asked, got));
    core.counters.instancesGranted += real;
    core.forgetNewestRequests(asked - real);
    if (err !== undefined) {
      core.lastError = describeError(err);
      core.logger.error({ asked, err: core.lastError }, 'provider increase failed');
    } else if (real < asked) {
      core.logger.warn({ asked, got: real }, 'provider created fewer instances than requested');
    }
    if (real < asked) {
      // Try again on the next poll rather than hammering a provider that is out of capacity.
      this.#holdUntilMs = core.clock.now() + core.opts.updateIntervalWhenExpectingMs;
      this.#wakeAt(this.#holdUntilMs);
    } else {
      core.requestEvaluate();
    }
  }

  /**
   * Instances asked for more than instance_start_timeout ago that never appeared (a group out
   * of capacity keeps its raised desired count and keeps trying) are withdrawn from the
   * provider, when it can, and stop counting; scale-up then asks again if they are still needed.
   * Without this, a group could launch them hours later for jobs long gone.
   */
  withdrawStaleRequests(): void {
    const core = this.#core;
    const cancel = core.provider.cancelRequested?.bind(core.provider);
    if (!cancel || this.#withdrawing || core.requested === 0) return;
    const now = core.clock.now();
    const limit = core.opts.instanceStartTimeoutMs;
    const stale = core.requestedAt.findIndex((at) => at + limit > now);
    const n = stale === -1 ? core.requested : stale;
    if (n === 0) return;
    this.#withdrawing = true;
    cancel(n).then(
      (got) => this.#withdrawn(n, Math.max(0, Math.min(n, got))),
      (err: unknown) => this.#withdrawn(n, 0, err),
    );
  }

  #withdrawn(asked: number, got: number, err?: unknown): void {
    const core = this.#core;
    this.#withdrawing = false;
    const limitMs = core.opts.instanceStartTimeoutMs;
    if (got > 0) {
      core.forgetOldestRequests(got);
      core.counters.requestsWithdrawn += got;
      core.logger.warn(
        { withdrawn: got, afterMs: limitMs },
        'requested instances never appeared; withdrawn from the provider',
      );
    }
    if (err !== undefined) {
      core.lastError = describeError(err);
      core.logger.error({ asked, err: core.lastError }, 'provider could not withdraw requests');
    }
    // What could not be withdrawn may still come: count it for another full timeout.
    const now = core.clock.now();
    const left = Math.min(asked - got, core.requested);
    for (let i = 0; i < left; i++) core.requestedAt[i] = now;
    if (left > 0) core.requestedAt.sort((a, b) => a - b);
    core.requestEvaluate();
  }

  /** `acting` runs just before instances are marked for removal. */
  #scaleDown(count: number, idleTimeMs: number, acting: () => void): void {
    const core = this.#core;
    const head = core.book.idleHead;
    const now = core.clock.now();
    if (!head || now - head.idleSinceMs < idleTimeMs) return;
    const ids = planScaleDown(core.book.idleCandidates(), {
      count,
      nowMs: now,
      idleTimeMs,
      orderedByIdleSince: true,
    });
    if (ids.length > 0) acting();
    for (const id of ids) {
      const inst = core.book.get(id);
      if (inst) core.markForRemoval(inst, 'instance exceeded max idle time');
    }
  }

  /**
   * When withdrawStaleRequests() or flushDeletions() may next have something to do
   * (+Infinity: nothing pending), so that polling backed off does not delay them.
   */
  nextDueAtMs(): number {
    const core = this.#core;
    let due = Number.POSITIVE_INFINITY;
    const oldest = core.requestedAt[0];
    if (oldest !== undefined && core.provider.cancelRequested) {
      due = oldest + core.opts.instanceStartTimeoutMs;
    }
    for (const inst of core.book.removing) {
      if (inst.providerState === 'deleting' || inst.providerState === 'deleted') continue;
      if (inst.deleteDueAtMs !== undefined) due = Math.min(due, inst.deleteDueAtMs);
    }
    return due;
  }

  /** Issues decrease() for every instance whose removal is due; one call in flight at a time. */
  flushDeletions(): void {
    const core = this.#core;
    if (this.#deleting || core.book.removing.size === 0) return;
    const now = core.clock.now();
    const batch: FleetInstance[] = [];
    const book = core.book;
    for (const inst of book.removing) {
      if (inst.deleteDueAtMs === undefined || inst.deleteDueAtMs > now) continue;
      if (inst.providerState === 'deleting' || inst.providerState === 'deleted') continue;
      book.scheduleDeletion(inst, undefined);
      batch.push(inst);
    }
    if (batch.length === 0) return;
    this.#deleting = true;
    const ids = batch.map((i) => i.id);
    core.provider.decrease(ids).then(
      (done) => this.#decreased(batch, done),
      (err: unknown) => this.#decreased(batch, [], err),
    );
  }

  #decreased(batch: readonly FleetInstance[], done: readonly string[], err?: unknown): void {
    const core = this.#core;
    this.#deleting = false;
    const now = core.clock.now();
    const issued = new Set(done);
    const retryAt = now + core.opts.deletionRetryIntervalMs;
    const failed: string[] = [];
    for (const inst of batch) {
      core.book.scheduleDeletion(inst, retryAt);
      if (issued.has(inst.id)) core.book.noteDeletionIssued(inst, now);
      else failed.push(inst.id);
    }
    core.counters.removalsIssued += batch.length - failed.length;
    if (err !== undefined) {
      core.lastError = describeError(err);
      core.logger.error({ instances: failed, err: core.lastError }, 'provider decrease failed');
    } else if (failed.length > 0) {
      core.logger.warn({ instances: failed }, 'provider did not remove instances; will retry');
    }
    this.onExpecting();
    core.requestDeletionFlush();
  }

  /** Re-evaluates at `atMs` (keeps only the earliest pending wake-up). */
  #wakeAt(atMs: number): void {
    if (atMs >= this.#wakeAtMs) return;
    this.#cancelWake?.();
    this.#wakeAtMs = atMs;
    const core = this.#core;
    this.#cancelWake = core.clock.schedule(atMs - core.clock.now(), () => {
      this.#wakeAtMs = Number.POSITIVE_INFINITY;
      this.#cancelWake = undefined;
      this.evaluate();
    });
  }
}
