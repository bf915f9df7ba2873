import type { InstanceRecord } from './instance-record.js';
import type { ScaleDownCandidate } from './scale-down.js';

/**
 * Ready instances with no slot in use, in ascending idleSinceMs order (an intrusive doubly
 * linked list: O(1) removal, appends at the tail since idle clocks start "now").
 */
export class IdleList {
  #head: InstanceRecord | undefined;
  #tail: InstanceRecord | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get head(): InstanceRecord | undefined {
    return this.#head;
  }

  add(inst: InstanceRecord): void {
    if (inst.inIdle) return;
    inst.inIdle = true;
    this.#size++;
    let after = this.#tail;
    while (after && after.idleSinceMs > inst.idleSinceMs) after = after.idlePrev;
    inst.idlePrev = after;
    inst.idleNext = after ? after.idleNext : this.#head;
    if (inst.idleNext) inst.idleNext.idlePrev = inst;
    else this.#tail = inst;
    if (after) after.idleNext = inst;
    else this.#head = inst;
  }

  remove(inst: InstanceRecord): void {
    if (!inst.inIdle) return;
    inst.inIdle = false;
    this.#size--;
    if (inst.idlePrev) inst.idlePrev.idleNext = inst.idleNext;
    else this.#head = inst.idleNext;
    if (inst.idleNext) inst.idleNext.idlePrev = inst.idlePrev;
    else this.#tail = inst.idlePrev;
    inst.idlePrev = undefined;
    inst.idleNext = undefined;
  }

  /** Scale-down candidates, longest idle first. */
  *candidates(): Generator<ScaleDownCandidate> {
    for (let i = this.#head; i; i = i.idleNext) {
      yield {
        id: i.id,
        seq: i.seq,
        slotsInUse: i.inUse,
        idleSinceMs: i.idleSinceMs,
        ready: i.status === 'ready',
        removing: false,
      };
    }
  }
}
