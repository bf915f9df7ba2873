import { abortReason } from './abort.js';

/** The only source of time in spotrunner. Engine code never reads the wall clock itself. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls `fn` after `ms` unless cancelled; returns the cancel function. */
  schedule(ms: number, fn: () => void): () => void;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.min(Math.max(0, ms), MAX_TIMER_MS),
      );
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortReason(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  schedule(ms: number, fn: () => void): () => void {
    // setTimeout fires at once for delays over ~24.8 days; longer waits are chained.
    let timer: ReturnType<typeof setTimeout>;
    const arm = (left: number): void => {
      const step = Math.min(Math.max(0, left), MAX_TIMER_MS);
      timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()), step);
      timer.unref?.();
    };
    arm(ms);
    return () => clearTimeout(timer);
  }
}

/** The longest delay setTimeout honours (2^31 − 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

interface VirtualTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. Timers fire in (time, insertion) order; after each
 * batch of timers due at the same instant, pending promise callbacks are allowed to settle,
 * so async code driven by this clock behaves as it would in real time, only faster.
 */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #heap: VirtualTimer[] = [];

  constructor(startMs = Date.UTC(2026, 0, 5, 0, 0, 0)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Number of timers still waiting to fire. */
  get pendingTimers(): number {
    return this.#heap.filter((t) => !t.cancelled).length;
  }

  /** Time of the earliest live timer, or undefined. */
  nextTimerAt(): number | undefined {
    this.#dropCancelledHead();
    return this.#heap[0]?.at;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = (): void => {
        cancel();
        reject(abortReason(signal));
      };
      const cancel = this.schedule(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  schedule(ms: number, fn: () => void): () => void {
    const timer: VirtualTimer = {
      at: this.#now + Math.max(0, ms),
      seq: this.#seq++,
      fn,
      cancelled: false,
    };
    this.#push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Fires every timer due at or before `now + ms`, settling promises between instants. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(this.#now + ms);
  }

  /** Fires timers up to and including `targetMs`, then sets the clock to `targetMs`. */
  async runUntil(targetMs: number): Promise<void> {
    await settle();
    for (;;) {
      const at = this.nextTimerAt();
      if (at === undefined || at > targetMs) break;
      this.#fireDue(at);
      await settle();
    }
    if (targetMs > this.#now) this.#now = targetMs;
  }

  /**
   * Runs until no timer is left or `limitMs` of virtual time has passed. Returns the number
   * of instants processed.
   */
  async runAll(limitMs = Number.POSITIVE_INFINITY): Promise<number> {
    const end = this.#now + limitMs;
    let steps = 0;
    await settle();
    for (;;) {
      const at = this.nextTimerAt();
      if (at === undefined || at > end) break;
      this.#fireDue(at);
      steps++;
      await settle();
    }
    return steps;
  }

  /** Fires all timers due at exactly `at` (already the earliest). */
  #fireDue(at: number): void {
    this.#now = Math.max(this.#now, at);
    for (;;) {
      this.#dropCancelledHead();
      const head = this.#heap[0];
      if (!head || head.at !== at) break;
      this.#pop();
      head.fn();
    }
  }

  #dropCancelledHead(): void {
    while (this.#heap[0]?.cancelled) this.#pop();
  }

  #less(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(t: VirtualTimer): void {
    const h = this.#heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!this.#less(t, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = t;
  }

  #pop(): VirtualTimer | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let best = last;
      if (l < h.length && this.#less(h[l]!, best)) {
        m = l;
        best = h[l]!;
      }
      if (r < h.length && this.#less(h[r]!, best)) {
        m = r;
        best = h[r]!;
      }
      if (m === i) break;
      h[i] = best;
      i = m;
    }
    h[i] = last;
    return top;
  }
}

/** Lets every queued promise callback run (one macrotask turn). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
