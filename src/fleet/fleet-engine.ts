import { abortReason } from '../platform/abort.js';
import type { Clock } from '../platform/clock.js';
import { SpotrunnerError } from '../platform/errors.js';
import type { Lifecycle, LifecycleState, StopOptions } from '../platform/lifecycle.js';
import type { Logger } from '../platform/logger.js';
import type { Provider } from '../providers/provider.js';
import { compilePolicySchedule } from './active-policy.js';
import type {
  AcquireOptions,
  Acquisition,
  Fleet,
  FleetStatus,
  ReleaseOptions,
  ReserveResult,
} from './fleet.js';
import { FleetCore, type FleetCounters } from './fleet-core.js';
import { viewInstance } from './fleet-status.js';
import {
  checkFleetOptions,
  type FleetOptions,
  type FleetPolicy,
  type ReadyUpFn,
} from './options.js';
import { Readiness } from './readiness.js';
import { Reconciler } from './reconcile.js';
import { cancelWaiting, decideReserve, waitForSlot } from './admission.js';
import { Scaler } from './scaler.js';
import { FleetStopper } from './fleet-stopper.js';
import { UpdateLoop } from './update-loop.js';

export interface FleetDeps {
  clock: Clock;
  logger: Logger;
  provider: Provider;
  readyUp?: ReadyUpFn;
}

/** The Fleet port plus lifecycle, policy reload and counters. */
export interface FleetEngine extends Fleet, Lifecycle<FleetStatus> {
  readonly state: LifecycleState;
  start(): Promise<void>;
  stop(options?: StopOptions): Promise<void>;
  status(): FleetStatus;
  /** Replaces the policies (config reload); the active one is recomputed at once. */
  configurePolicies(policies: readonly FleetPolicy[]): void;
  counters(): Readonly<FleetCounters>;
  /**
   * Polls the provider now instead of waiting for the next tick (a poll already in flight is
   * followed by a new one, so what the provider learned before this call is seen).
   */
  refresh(): Promise<void>;
}

/** A fleet engine; `options` come whole from the compiled config (`CompiledRunner.fleet`). */
export function createFleet(deps: FleetDeps, options: FleetOptions): FleetEngine {
  checkFleetOptions(options);
  return new FleetEngineImpl(deps, options);
}

class FleetEngineImpl implements FleetEngine {
  readonly #core: FleetCore;
  readonly #scaler: Scaler;
  readonly #loop: UpdateLoop;
  readonly #stopper: FleetStopper;
  #state: LifecycleState = 'idle';

  constructor(deps: FleetDeps, options: FleetOptions) {
    const core = new FleetCore(
      { ...deps, logger: deps.logger.child({ component: 'fleet' }) },
      options,
    );
    const readiness = new Readiness(core);
    this.#core = core;
    this.#scaler = new Scaler(core, readiness);
    this.#loop = new UpdateLoop(core, new Reconciler(core, readiness), readiness, this.#scaler);
    this.#stopper = new FleetStopper(core, this.#loop, this.#scaler);
    core.hooks = {
      evaluate: () => this.#scaler.evaluate(),
      flushDeletions: () => this.#scaler.flushDeletions(),
    };
    this.#scaler.onExpecting = () => this.#loop.expectChange();
  }

  get state(): LifecycleState {
    return this.#state;
  }

  async start(): Promise<void> {
    if (this.#state !== 'idle') {
      throw new SpotrunnerError('state', `fleet cannot start from state ${this.#state}`);
    }
    const core = this.#core;
    this.#state = 'running';
    try {
      const info = await core.provider.init(this.#stopper.signal);
      core.providerId = info.id;
      const cap = core.opts.maxInstances;
      core.maxInstances = cap > 0 ? Math.min(cap, info.maxSize) : info.maxSize;
      this.#scaler.start();
      core.accepting = true;
      core.logger.info(
        {
          providerId: info.id,
          maxInstances: core.maxInstances,
          capacityPerInstance: core.opts.capacityPerInstance,
        },
        'fleet started',
      );
      await this.#loop.start(this.#stopper.signal);
    } catch (err: unknown) {
      this.#state = 'failed';
      core.accepting = false;
      throw err;
    }
  }

  async stop(options: StopOptions = { graceMs: 0 }): Promise<void> {
    if (this.#state === 'idle') this.#state = 'stopped';
    if (this.#state === 'stopped' || this.#state === 'failed') return;
    this.#state = 'draining';
    await this.#stopper.stop(options.graceMs);
    this.#state = 'stopped';
  }

  refresh(): Promise<void> {
    return this.#loop.pollFresh();
  }

  reserve(key: string): ReserveResult {
    const core = this.#core;
    if (!core.accepting) return { ok: false, reason: 'fleet is not running' };
    if (core.reservations.has(key)) return { ok: true };
    const decision = decideReserve(core, this.#scaler.active().policy);
    if (decision.ok) core.reservations.add(key);
    core.requestEvaluate();
    return decision;
  }

  unreserve(key: string): void {
    if (this.#core.reservations.delete(key)) this.#core.requestEvaluate();
  }

  acquire(key: string, options: AcquireOptions = {}): Promise<Acquisition> {
    const core = this.#core;
    if (!core.accepting)
      return Promise.reject(new SpotrunnerError('state', 'fleet is not running'));
    if (core.acquisitions.has(key)) {
      return Promise.reject(
        new SpotrunnerError('state', `key ${key} already holds an acquisition`),
      );
    }
    if (options.signal?.aborted) return Promise.reject(abortReason(options.signal));
    core.reservations.delete(key);
    const inst = core.book.pickFree(options.avoid, options.accept);
    if (inst) {
      const acq = core.bind(inst, key, options.jobId);
      core.requestEvaluate();
      return Promise.resolve(acq);
    }
    const wait = waitForSlot(core, key, options);
    core.requestEvaluate();
    return wait;
  }

  release(key: string, options: ReleaseOptions = {}): void {
    const core = this.#core;
    const acq = core.acquisitions.get(key);
    if (!acq) {
      if (!cancelWaiting(core, key)) core.logger.warn({ key }, 'release of unknown acquisition');
      core.reservations.delete(key);
      return;
    }
    core.acquisitions.delete(key);
    core.unbind(acq, options.healthy !== false);
    core.servePending();
    core.requestEvaluate();
    this.#stopper.released();
  }

  drain(instanceId: string, reason: string): boolean {
    const inst = this.#core.book.get(instanceId);
    if (!inst) return false;
    const changed = this.#core.drain(inst, reason);
    if (changed) this.#core.requestEvaluate();
    return changed;
  }

  configurePolicies(policies: readonly FleetPolicy[]): void {
    checkFleetOptions({ ...this.#core.opts, policies });
    this.#core.policies.schedule = compilePolicySchedule(policies);
    this.#core.requestEvaluate();
  }

  counters(): Readonly<FleetCounters> {
    return { ...this.#core.counters };
  }

  status(): FleetStatus {
    const core = this.#core;
    const active = this.#scaler.active();
    const info = this.#scaler.capacityInfo(active);
    return {
      providerId: core.providerId,
      instances: [...core.book.instances.values()].map(viewInstance),
      reserved: core.reservations.size,
      acquired: core.acquisitions.size,
      pending: core.waiters.size,
      idleTarget: info.idleTarget,
      policyIndex: active.index,
      counters: { ...core.counters },
      ...(core.requested > 0
        ? { requested: { count: core.requested, sinceMs: core.requestedAt[0]! } }
        : {}),
      ...(core.lastError === undefined ? {} : { lastError: core.lastError }),
    };
  }
}
