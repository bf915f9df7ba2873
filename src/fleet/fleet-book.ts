import type { InstanceState } from '../providers/provider.js';
import { FleetInstance } from './fleet-instance.js';
import { FreeSlotIndex } from './free-slot-index.js';
import { IdleList } from './idle-list.js';

/**
 * The engine's instance table with running totals, so a scaling decision is O(1): every change
 * to an instance goes through `refresh()`, which moves its contribution to the totals and keeps
 * the free-slot index and idle list in step.
 */
export class FleetBook {
  readonly instances = new Map<string, FleetInstance>();
  readonly free = new FreeSlotIndex();
  readonly idle = new IdleList();
  /** Instances marked for removal and still listed by the provider. */
  readonly removing = new Set<FleetInstance>();
  readonly capacity: number;
  #seq = 0;

  /** Instances that count (not lost, not reported deleting). */
  counted = 0;
  /** Counted instances still creating or readying. */
  booting = 0;
  /** Slots bound to jobs on counted instances. */
  acquired = 0;
  /** Slots on counted draining/removing instances that cannot be handed out. */
  unavailable = 0;
  /** Free slots on ready instances. */
  freeSlots = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.instances.size;
  }

  get(id: string): FleetInstance | undefined {
    return this.instances.get(id);
  }

  add(id: string, state: InstanceState, nowMs: number): FleetInstance {
    const inst = new FleetInstance(id, this.#seq++, this.capacity, state, nowMs);
    this.instances.set(id, inst);
    this.refresh(inst);
    return inst;
  }

  /** Drops an instance the provider no longer lists. */
  delete(inst: FleetInstance): void {
    inst.lost = true;
    inst.detached = true;
    inst.status = 'removing';
    this.refresh(inst);
    this.removing.delete(inst);
    this.instances.delete(inst.id);
  }

  /** Recomputes one instance's contribution to the totals and indices. */
  refresh(inst: FleetInstance): void {
    const counted = inst.counted;
    const s = inst.status;
    const booting = counted && (s === 'creating' || s === 'readying');
    const acquired = counted ? inst.inUse : 0;
    const unavailable =
      counted && (s === 'draining' || s === 'removing') ? inst.capacity - inst.inUse : 0;
    const free = counted && s === 'ready' ? inst.capacity - inst.inUse : 0;

    this.counted += Number(counted) - Number(inst.cCounted);
    this.booting += Number(booting) - Number(inst.cBooting);
    this.acquired += acquired - inst.cAcquired;
    this.unavailable += unavailable - inst.cUnavailable;
    this.freeSlots += free - inst.cFree;
    inst.cCounted = counted;
    inst.cBooting = booting;
    inst.cAcquired = acquired;
    inst.cUnavailable = unavailable;
    inst.cFree = free;

    if (free > 0) this.free.add(inst);
    else this.free.remove(inst);
    if (free > 0 && inst.inUse === 0) this.idle.add(inst);
    else this.idle.remove(inst);
    if (s === 'removing' && !inst.lost) this.removing.add(inst);
    else this.removing.delete(inst);
  }
}
