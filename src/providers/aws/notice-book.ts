/**
 * Interruption notices per instance, from every source (spot request status, the SQS feed, IMDS
 * checks), keeping the most urgent. A notice for an instance not (or no longer) in the group is
 * kept for a while, so a feed message that arrives before the instance is listed still applies.
 */
import type { InterruptionNotice } from '../provider.js';
import { moreUrgent } from './spot-notices.js';

export type NoticeSource = 'spot-request' | 'queue' | 'metadata';

interface Entry {
  notice: InterruptionNotice;
  source: NoticeSource;
  seenAtMs: number;
}

/** How long a notice for an unknown instance is kept. */
export const UNKNOWN_NOTICE_KEEP_MS = 10 * 60_000;

export class NoticeBook {
  readonly #entries = new Map<string, Entry>();

  /** Records a notice; returns true when it is new or more urgent than the one held. */
  record(id: string, notice: InterruptionNotice, source: NoticeSource, nowMs: number): boolean {
    const held = this.#entries.get(id);
    const winner = moreUrgent(held?.notice, notice)!;
    if (held && winner === held.notice) return false;
    if (held && held.notice.kind === winner.kind && held.notice.deadlineMs === winner.deadlineMs) {
      return false;
    }
    this.#entries.set(id, { notice: winner, source, seenAtMs: nowMs });
    return true;
  }

  get(id: string): InterruptionNotice | undefined {
    return this.#entries.get(id)?.notice;
  }

  sourceOf(id: string): NoticeSource | undefined {
    return this.#entries.get(id)?.source;
  }

  /** Drops notices of instances that left the group, and stale ones for never-seen instances. */
  prune(groupIds: ReadonlySet<string>, everSeen: (id: string) => boolean, nowMs: number): void {
    for (const [id, entry] of this.#entries) {
      if (groupIds.has(id)) continue;
      if (everSeen(id) || nowMs - entry.seenAtMs > UNKNOWN_NOTICE_KEEP_MS) this.#entries.delete(id);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
