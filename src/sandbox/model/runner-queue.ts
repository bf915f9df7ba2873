/**
 * Per-runner queue values (`X-GitLab-Last-Update`) and long-poll waiters, as Rails' Redis key
 * `runner:build_queue:<token>` and Workhorse's watch on it (protocol §2.3).
 */
import type { Clock } from '../../platform/clock.js';
import type { JobRecord, RunnerRecord } from './records.js';
import { newQueueValue } from './tokens.js';

/** Whether a runner may take a job: tags and `run_untagged`. */
export function runnerCanPick(runner: RunnerRecord, job: JobRecord): boolean {
  const tags = job.spec.tags;
  if (tags.length === 0) return runner.runUntagged;
  return tags.every((t) => runner.tags.includes(t));
}

export class RunnerQueue {
  readonly #waiters = new Map<number, Set<() => void>>();

  /** Replaces the runner's queue value and releases its long-poll waiters. */
  tick(runner: RunnerRecord): void {
    runner.queueValue = newQueueValue();
    const waiters = this.#waiters.get(runner.id);
    if (!waiters) return;
    this.#waiters.delete(runner.id);
    for (const wake of waiters) wake();
  }

  /** Ticks every runner that could take the job. */
  tickFor(job: JobRecord, runners: Iterable<RunnerRecord>): void {
    for (const runner of runners) if (runnerCanPick(runner, job)) this.tick(runner);
  }

  /**
   * Holds until the runner's queue value changes or `ms` passes (Workhorse long polling).
   * Resolves `ticked` or `timeout`; an abort resolves `timeout` too.
   */
  async wait(
    clock: Clock,
    runner: RunnerRecord,
    ms: number,
    signal?: AbortSignal,
  ): Promise<'ticked' | 'timeout'> {
    const local = new AbortController();
    const onAbort = (): void => local.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    let wake: () => void = () => undefined;
    const ticked = new Promise<'ticked'>((resolve) => {
      wake = () => resolve('ticked');
    });
    const set = this.#waiters.get(runner.id) ?? new Set();
    set.add(wake);
    this.#waiters.set(runner.id, set);
    const timeout = clock.sleep(ms, local.signal).then(
      () => 'timeout' as const,
      () => 'timeout' as const,
    );
    try {
      return await Promise.race([ticked, timeout]);
    } finally {
      local.abort();
      signal?.removeEventListener('abort', onAbort);
      this.#waiters.get(runner.id)?.delete(wake);
    }
  }

  /** Releases every waiter (server stop). */
  releaseAll(): void {
    for (const set of this.#waiters.values()) for (const wake of set) wake();
    this.#waiters.clear();
  }
}
