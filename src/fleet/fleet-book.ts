import type {
  ConnectInfo,
  InstanceInfo,
  InstanceState,
  InterruptionNotice,
} from '../providers/provider.js';
import type { FleetAcquisition } from './acquisition.js';
import type { FleetInstance } from './fleet-instance.js';
import { FreeSlotIndex } from './free-slot-index.js';
import { IdleList } from './idle-list.js';
import { SpotrunnerError } from '../platform/errors.js';
import {
  canTransition,
  InstanceTransitionError,
  statusOfPhase,
  type InstancePhase,
} from './instance-phase.js';
import { InstanceRecord } from './instance-record.js';
import type { ScaleDownCandidate } from './scale-down.js';

/**
 * The engine's instance table, and the only writer of its instances. Every change (a phase
 * change checked against INSTANCE_TRANSITIONS, a slot bound or freed, a provider fact) moves the
 * instance's contribution to the running totals, so a scaling decision is O(1), and keeps the
 * free-slot index, idle list and removal set in step. Callers never have to remember to.
 */
export class FleetBook {
  readonly #instances = new Map<string, InstanceRecord>();
  readonly #free = new FreeSlotIndex();
  readonly #idle = new IdleList();
  readonly #removing = new Set<InstanceRecord>();
  readonly capacity: number;
  #seq = 0;
  #counted = 0;
  #booting = 0;
  #acquired = 0;
  #unavailable = 0;
  #freeSlots = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#instances.size;
  }

  get instances(): ReadonlyMap<string, FleetInstance> {
    return this.#instances;
  }

  /** Instances marked for removal and still listed by the provider, in marking order. */
  get removing(): ReadonlySet<FleetInstance> {
    return this.#removing;
  }

  /** Instances that count (not lost, not reported deleting). */
  get counted(): number {
    return this.#counted;
  }

  /** Counted instances still creating or readying. */
  get booting(): number {
    return this.#booting;
  }

  /** Slots bound to jobs on counted instances. */
  get acquired(): number {
    return this.#acquired;
  }

  /** Slots on counted draining/removing instances that cannot be handed out. */
  get unavailable(): number {
    return this.#unavailable;
  }

  /** Free slots on ready instances. */
  get freeSlots(): number {
    return this.#freeSlots;
  }

  /** Instances with at least one free slot. */
  get freeInstanceCount(): number {
    return this.#free.size;
  }

  /** The ready instance idle the longest (undefined when none is idle). */
  get idleHead(): FleetInstance | undefined {
    return this.#idle.head;
  }

  get(id: string): FleetInstance | undefined {
    return this.#instances.get(id);
  }

  /** The oldest ready instance with room that is not in `avoid` (and that `accept` takes). */
  pickFree(
    avoid?: readonly string[],
    accept?: (instanceId: string) => boolean,
  ): FleetInstance | undefined {
    return this.#free.pick(avoid, accept);
  }

  /** Scale-down candidates, longest idle first. */
  idleCandidates(): Generator<ScaleDownCandidate> {
    return this.#idle.candidates();
  }

  add(id: string, state: InstanceState, nowMs: number): FleetInstance {
    const rec = new InstanceRecord(id, this.#seq++, this.capacity, state, nowMs);
    this.#instances.set(id, rec);
    this.#refresh(rec);
    return rec;
  }

  // Phase changes (INSTANCE_TRANSITIONS).

  /** creating → readying: a ready-up runs, abortable through `readyAbort`. */
  beginReadying(inst: FleetInstance, readyAbort: AbortController): void {
    const rec = this.#move(inst, 'readying');
    rec.readyAbort = readyAbort;
    this.#refresh(rec);
  }

  markReady(inst: FleetInstance, nowMs: number): void {
    const rec = this.#move(inst, 'ready');
    rec.readyAtMs = nowMs;
    rec.idleSinceMs = nowMs;
    this.#refresh(rec);
  }

  /** Takes no new jobs; removed once its jobs are done. */
  markDraining(inst: FleetInstance, reason: string): void {
    const rec = this.#move(inst, 'draining');
    rec.removalReason = reason;
    this.#refresh(rec);
  }

  /** To be removed: a decrease() is due now. */
  markRemoving(inst: FleetInstance, reason: string, nowMs: number): void {
    const rec = this.#move(inst, 'removing');
    rec.removalReason = reason;
    rec.deleteDueAtMs = nowMs;
    this.#refresh(rec);
  }

  /** Taken by the provider without our request. */
  markLost(inst: FleetInstance, reason: string): void {
    const rec = this.#move(inst, 'lost');
    rec.removalReason = reason;
    this.#refresh(rec);
  }

  /** Drops an instance the provider no longer lists. */
  detach(inst: FleetInstance): void {
    const rec = this.#move(inst, 'gone');
    this.#refresh(rec);
    this.#instances.delete(rec.id);
  }

  // Slots.

  /** Binds `acq.slot` of a ready instance to `acq`. */
  bind(inst: FleetInstance, acq: FleetAcquisition): void {
    const rec = this.#own(inst);
    if (rec.phase !== 'ready' || rec.slots[acq.slot] !== undefined) {
      throw new InstanceTransitionError(rec.id, rec.phase, 'bind');
    }
    rec.slots[acq.slot] = acq;
    rec.inUse++;
    rec.useCount++;
    this.#refresh(rec);
  }

  /** Frees `slot`; a healthy release resets the failure count, an unhealthy one adds to it. */
  unbind(inst: FleetInstance, slot: number, healthy: boolean, nowMs: number): void {
    const rec = this.#own(inst);
    if (rec.slots[slot] === undefined)
      throw new InstanceTransitionError(rec.id, rec.phase, 'unbind');
    rec.slots[slot] = undefined;
    rec.inUse--;
    if (rec.inUse === 0) rec.idleSinceMs = nowMs;
    if (healthy) rec.failures = 0;
    else rec.failures++;
    this.#refresh(rec);
  }

  // Facts that do not change the phase.

  /** What the provider reports; deleting/deleted stops the instance counting. */
  setProviderState(inst: FleetInstance, state: InstanceState): void {
    const rec = this.#own(inst);
    rec.providerState = state;
    this.#refresh(rec);
  }

  /** The provider reports it running (the first time counts). */
  noteRunning(inst: FleetInstance, nowMs: number): void {
    const rec = this.#own(inst);
    rec.runningAtMs ??= nowMs;
  }

  describe(inst: FleetInstance, info: InstanceInfo): void {
    const rec = this.#own(inst);
    rec.instanceType = info.instanceType;
    rec.lifecycle = info.lifecycle;
    rec.launchedAtMs = info.launchedAtMs;
  }

  noteSeen(inst: FleetInstance, gen: number): void {
    this.#own(inst).seenGen = gen;
  }

  /** Jobs an adopted pre-existing instance already ran (counts toward max_use_count). */
  setUseCount(inst: FleetInstance, useCount: number): void {
    this.#own(inst).useCount = useCount;
  }

  noteInterruption(inst: FleetInstance, notice: InterruptionNotice): void {
    this.#own(inst).interruption = notice;
  }

  clearReadyAbort(inst: FleetInstance): void {
    this.#own(inst).readyAbort = undefined;
  }

  /** When the next decrease() for it is due (undefined: none is). */
  scheduleDeletion(inst: FleetInstance, dueAtMs: number | undefined): void {
    this.#own(inst).deleteDueAtMs = dueAtMs;
  }

  noteDeletionIssued(inst: FleetInstance, atMs: number): void {
    this.#own(inst).deleteIssuedAtMs = atMs;
  }

  cacheConnectInfo(inst: FleetInstance, info: ConnectInfo): void {
    this.#own(inst).connectInfo = info;
  }

  /** Drops cached connect info, so the next dial asks the provider again. */
  forgetConnectInfo(inst: FleetInstance): void {
    this.#own(inst).connectInfo = undefined;
  }

  #own(inst: FleetInstance): InstanceRecord {
    if (!(inst instanceof InstanceRecord)) {
      throw new SpotrunnerError('internal', `instance ${inst.id} is not a FleetBook record`);
    }
    return inst;
  }

  #move(inst: FleetInstance, to: InstancePhase): InstanceRecord {
    const rec = this.#own(inst);
    if (!canTransition(rec.phase, to)) throw new InstanceTransitionError(rec.id, rec.phase, to);
    rec.phase = to;
    rec.status = statusOfPhase(to);
    return rec;
  }

  /** Recomputes one instance's contribution to the totals and indices. */
  #refresh(inst: InstanceRecord): void {
    const counted = inst.counted;
    const s = inst.status;
    const booting = counted && (s === 'creating' || s === 'readying');
    const acquired = counted ? inst.inUse : 0;
    const unavailable =
      counted && (s === 'draining' || s === 'removing') ? inst.capacity - inst.inUse : 0;
    const free = counted && s === 'ready' ? inst.capacity - inst.inUse : 0;

    this.#counted += Number(counted) - Number(inst.cCounted);
    this.#booting += Number(booting) - Number(inst.cBooting);
    this.#acquired += acquired - inst.cAcquired;
    this.#unavailable += unavailable - inst.cUnavailable;
    this.#freeSlots += free - inst.cFree;
    inst.cCounted = counted;
    inst.cBooting = booting;
    inst.cAcquired = acquired;
    inst.cUnavailable = unavailable;
    inst.cFree = free;

    if (free > 0) this.#free.add(inst);
    else this.#free.remove(inst);
    if (free > 0 && inst.inUse === 0) this.#idle.add(inst);
    else this.#idle.remove(inst);
    if (inst.phase === 'removing') this.#removing.add(inst);
    else this.#removing.delete(inst);
  }
}
