/** Per-job timers on the injected Clock (ack window, execution timeout, stuck detection). */
import type { Clock } from '../../platform/clock.js';

export type JobTimerKind = 'ack' | 'timeout' | 'stuck';

export class JobTimers {
  readonly #clock: Clock;
  readonly #cancels = new Map<string, () => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** (Re)arms the timer of this kind for the job. */
  set(jobId: number, kind: JobTimerKind, ms: number, fn: () => void): void {
    const key = `${jobId}:${kind}`;
    this.#cancels.get(key)?.();
    this.#cancels.set(
      key,
      this.#clock.schedule(ms, () => {
        this.#cancels.delete(key);
        fn();
      }),
    );
  }

  clear(jobId: number, kind?: JobTimerKind): void {
    const kinds: JobTimerKind[] = kind ? [kind] : ['ack', 'timeout', 'stuck'];
    for (const k of kinds) {
      const key = `${jobId}:${k}`;
      this.#cancels.get(key)?.();
      this.#cancels.delete(key);
    }
  }

  clearAll(): void {
    for (const cancel of this.#cancels.values()) cancel();
    this.#cancels.clear();
  }
}
