import type { Clock } from '../platform/clock.js';
import { describeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { ConnectInfo, Provider } from '../providers/provider.js';
import { FleetAcquisition } from './acquisition.js';
import { ActivePolicyCache, compilePolicySchedule } from './active-policy.js';
import { InstanceLostError } from './fleet.js';
import { FleetBook } from './fleet-book.js';
import type { FleetInstance } from './fleet-instance.js';
import type { ReadyUpFn, FleetOptions } from './options.js';

export interface Waiter {
  key: string;
  avoid: readonly string[] | undefined;
  accept: ((instanceId: string) => boolean) | undefined;
  jobId: number | undefined;
  resolve(acq: FleetAcquisition): void;
  reject(err: Error): void;
  cleanup(): void;
}

export interface FleetCounters {
  /** Instances asked of the provider / granted by it. */
  instancesRequested: number;
  instancesGranted: number;
  removalsIssued: number;
  instancesLost: number;
  readyUpFailures: number;
  /** Instances removed because they were not ready within instance_start_timeout. */
  startTimeouts: number;
  /** Requested instances that never appeared, withdrawn from the provider. */
  requestsWithdrawn: number;
  acquireTimeouts: number;
}

export interface CoreHooks {
  evaluate(): void;
  flushDeletions(): void;
}

export interface FleetCoreDeps {
  clock: Clock;
  logger: Logger;
  provider: Provider;
  readyUp?: ReadyUpFn;
}

/**
 * Shared engine state and the instance-level rules (binding and freeing slots, draining,
 * removal, loss). The scaler, reconciler and public engine operate on it.
 */
export class FleetCore {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly provider: Provider;
  readonly readyUp: ReadyUpFn | undefined;
  readonly opts: FleetOptions;
  readonly book: FleetBook;
  readonly reservations = new Set<string>();
  readonly acquisitions = new Map<string, FleetAcquisition>();
  readonly waiters = new Set<Waiter>();
  readonly policies: ActivePolicyCache;
  readonly counters: FleetCounters = {
    instancesRequested: 0,
    instancesGranted: 0,
    removalsIssued: 0,
    instancesLost: 0,
    readyUpFailures: 0,
    startTimeouts: 0,
    requestsWithdrawn: 0,
    acquireTimeouts: 0,
  };
  hooks: CoreHooks = { evaluate: () => undefined, flushDeletions: () => undefined };
  providerId = '';
  maxInstances = 0;
  /**
   * When each instance granted by increase() and not yet listed by update() was asked for,
   * oldest first; its length is the number of such instances.
   */
  readonly requestedAt: number[] = [];
  /** Accepting reservations and acquisitions. */
  accepting = false;
  lastError: string | undefined;
  #evaluateQueued = false;
  #flushQueued = false;
  readonly #connect = (id: string, signal?: AbortSignal): Promise<ConnectInfo> =>
    this.connectInfo(id, signal);

  constructor(deps: FleetCoreDeps, opts: FleetOptions) {
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.provider = deps.provider;
    this.readyUp = deps.readyUp;
    this.opts = opts;
    this.book = new FleetBook(opts.capacityPerInstance);
    this.policies = new ActivePolicyCache(compilePolicySchedule(opts.policies));
  }

  /** Coalesces re-evaluation requests into one microtask (no extra macrotask turns). */
  requestEvaluate(): void {
    if (this.#evaluateQueued) return;
    this.#evaluateQueued = true;
    queueMicrotask(this.#runEvaluate);
  }

  readonly #runEvaluate = (): void => {
    this.#evaluateQueued = false;
    try {
      this.hooks.evaluate();
    } catch (err: unknown) {
      this.logger.error({ err: describeError(err) }, 'fleet evaluation failed');
    }
  };

  requestDeletionFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(this.#runFlush);
  }

  readonly #runFlush = (): void => {
    this.#flushQueued = false;
    try {
      this.hooks.flushDeletions();
    } catch (err: unknown) {
      this.logger.error({ err: describeError(err) }, 'fleet deletion flush failed');
    }
  };

  /** Binds a free slot of `inst` to `key`. The instance must have room. */
  bind(inst: FleetInstance, key: string, jobId: number | undefined): FleetAcquisition {
    const slot = inst.slots.indexOf(undefined);
    const acq = new FleetAcquisition(key, inst.id, slot, jobId, this.#connect);
    this.book.bind(inst, acq);
    this.acquisitions.set(key, acq);
    const max = this.opts.maxUseCount;
    if (max > 0 && inst.useCount >= max && inst.status === 'ready') {
      this.book.markDraining(inst, 'instance reached max use count');
    }
    return acq;
  }

  /** Frees the slot held by `acq`; applies health and drain rules. */
  unbind(acq: FleetAcquisition, healthy: boolean): void {
    const inst = this.book.get(acq.instanceId);
    if (!inst || inst.slots[acq.slot] !== acq) return;
    this.book.unbind(inst, acq.slot, healthy, this.clock.now());
    if (!healthy) this.#checkFailures(inst);
    if (inst.status === 'draining' && inst.inUse === 0) {
      this.markForRemoval(inst, inst.removalReason ?? 'instance drained');
    }
  }

  #checkFailures(inst: FleetInstance): void {
    const threshold = this.opts.failureThreshold;
    if (threshold > 0 && inst.failures >= threshold && inst.status === 'ready') {
      this.logger.warn(
        { instance: inst.id, failures: inst.failures, failureThreshold: threshold },
        'instance failure threshold reached',
      );
      this.book.markDraining(inst, 'instance failure threshold reached');
    }
  }

  /** Instances granted by increase() and not yet listed by update(). */
  get requested(): number {
    return this.requestedAt.length;
  }

  noteRequested(n: number): void {
    const now = this.clock.now();
    for (let i = 0; i < n; i++) this.requestedAt.push(now);
  }

  /** Forgets the `n` newest requests (a provider shortfall). */
  forgetNewestRequests(n: number): void {
    this.requestedAt.length = Math.max(0, this.requestedAt.length - n);
  }

  /** Forgets the `n` oldest requests (instances appeared, or requests withdrawn). */
  forgetOldestRequests(n: number): void {
    this.requestedAt.splice(0, n);
  }

  /** Hands free slots to waiting acquisitions, oldest waiter first. */
  servePending(): void {
    if (this.waiters.size === 0 || this.book.freeSlots === 0) return;
    for (const w of this.waiters) {
      const inst = this.book.pickFree(w.avoid, w.accept);
      if (!inst) {
        if (this.book.freeInstanceCount === 0) return;
        continue;
      }
      this.waiters.delete(w);
      w.cleanup();
      w.resolve(this.bind(inst, w.key, w.jobId));
      if (this.book.freeSlots === 0) return;
    }
  }

  /** Stops new jobs on an instance; removes it once empty. False if it was not taking jobs. */
  drain(inst: FleetInstance, reason: string): boolean {
    if (inst.status === 'creating' || inst.status === 'readying') {
      this.markForRemoval(inst, reason);
      return true;
    }
    if (inst.status !== 'ready') return false;
    this.book.markDraining(inst, reason);
    if (inst.inUse === 0) {
      this.markForRemoval(inst, reason);
    } else {
      this.logger.info({ instance: inst.id, reason, slotsInUse: inst.inUse }, 'instance draining');
    }
    return true;
  }

  markForRemoval(inst: FleetInstance, reason: string): void {
    if (inst.status === 'removing') return;
    this.book.markRemoving(inst, reason, this.clock.now());
    if (inst.readyAbort) inst.readyAbort.abort(new InstanceLostError(inst.id, reason));
    this.logger.info(
      { instance: inst.id, reason, useCount: inst.useCount, slotsInUse: inst.inUse },
      'instance marked for removal',
    );
    this.requestDeletionFlush();
  }

  /** The provider took the instance without our request: cancel its jobs (§2.10). */
  lose(inst: FleetInstance, detail: string): void {
    if (inst.lost) return;
    this.counters.instancesLost++;
    this.logger.error(
      {
        instance: inst.id,
        detail,
        maxUseCount: this.opts.maxUseCount,
        slots: inst.capacity,
        used: inst.useCount,
        slotsInUse: inst.inUse,
        ...(inst.interruption ? { interruption: inst.interruption.kind } : {}),
      },
      'instance unexpectedly removed',
    );
    this.book.markLost(inst, 'instance unexpectedly removed');
    if (inst.readyAbort || inst.inUse > 0) {
      const reason = new InstanceLostError(inst.id);
      inst.readyAbort?.abort(reason);
      for (const acq of inst.slots) acq?.abort(reason);
    }
  }

  async connectInfo(id: string, signal?: AbortSignal): Promise<ConnectInfo> {
    const inst = this.book.get(id);
    const cached = inst?.connectInfo;
    if (
      cached &&
      (cached.expiresAtMs === undefined || cached.expiresAtMs > this.clock.now() + 5_000)
    ) {
      return cached;
    }
    const info = await this.provider.connectInfo(id, signal);
    if (inst) this.book.cacheConnectInfo(inst, info);
    return info;
  }

  /** Would a change be observed soon? Then poll at update_interval_when_expecting. */
  expecting(): boolean {
    const b = this.book;
    return (
      b.booting > 0 ||
      this.requested > 0 ||
      b.removing.size > 0 ||
      (this.waiters.size > 0 && b.counted + this.requested < this.maxInstances)
    );
  }
}
