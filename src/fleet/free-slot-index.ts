import type { InstanceRecord } from './instance-record.js';

/**
 * Instances with a free slot, ordered by creation (a min-heap on `seq`, positions kept on the
 * instances): acquire takes the oldest ready instance with room, as taskscaler walks its list.
 */
export class FreeSlotIndex {
  readonly #heap: InstanceRecord[] = [];

  get size(): number {
    return this.#heap.length;
  }

  has(inst: InstanceRecord): boolean {
    return inst.heapIndex >= 0;
  }

  add(inst: InstanceRecord): void {
    if (inst.heapIndex >= 0) return;
    inst.heapIndex = this.#heap.length;
    this.#heap.push(inst);
    this.#up(inst.heapIndex);
  }

  remove(inst: InstanceRecord): void {
    const i = inst.heapIndex;
    if (i < 0) return;
    const last = this.#heap.pop()!;
    inst.heapIndex = -1;
    if (last === inst) return;
    this.#heap[i] = last;
    last.heapIndex = i;
    this.#down(i);
    this.#up(last.heapIndex);
  }

  /** The oldest instance with room that is not in `avoid` (and that `accept` takes, if given). */
  pick(
    avoid?: readonly string[],
    accept?: (instanceId: string) => boolean,
  ): InstanceRecord | undefined {
    if (accept) {
      // Rare (rescued jobs bound for the fallback group): a linear scan is fine.
      let best: InstanceRecord | undefined;
      for (const inst of this.#heap) {
        if (avoid?.includes(inst.id) || !accept(inst.id)) continue;
        if (!best || inst.seq < best.seq) best = inst;
      }
      return best;
    }
    const top = this.#heap[0];
    if (!top || !avoid || avoid.length === 0 || !avoid.includes(top.id)) return top;
    const popped: InstanceRecord[] = [];
    let found: InstanceRecord | undefined;
    while (this.#heap.length > 0 && popped.length <= avoid.length) {
      const head = this.#heap[0]!;
      if (!avoid.includes(head.id)) {
        found = head;
        break;
      }
      popped.push(head);
      this.remove(head);
    }
    for (const p of popped) this.add(p);
    return found;
  }

  #up(i: number): void {
    const h = this.#heap;
    const item = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.seq <= item.seq) break;
      h[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    h[i] = item;
    item.heapIndex = i;
  }

  #down(i: number): void {
    const h = this.#heap;
    const item = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && h[r]!.seq < h[l]!.seq ? r : l;
      const child = h[c]!;
      if (child.seq >= item.seq) break;
      h[i] = child;
      child.heapIndex = i;
      i = c;
    }
    h[i] = item;
    item.heapIndex = i;
  }
}
