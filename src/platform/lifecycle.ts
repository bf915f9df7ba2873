import { formatDurationMs } from './durations.js';
import { SpotrunnerError } from './errors.js';

/** The states every long-running part exposes. */
export type LifecycleState = 'idle' | 'running' | 'draining' | 'stopped' | 'failed';

export interface StopOptions {
  /** How long running work may continue before it is cut off. */
  graceMs: number;
}

export interface Lifecycle<S = unknown> {
  readonly state: LifecycleState;
  start(): Promise<void>;
  stop(options: StopOptions): Promise<void>;
  status(): S;
}

/**
 * Reason running work is cut off when a stop's grace period (`shutdown_timeout`) runs out. Code
 * `canceled`: the job ends as canceled by the shutdown, as before this error had a type.
 */
export class ShutdownTimeoutError extends SpotrunnerError {
  readonly graceMs: number;

  constructor(graceMs: number) {
    super('canceled', `shutdown timeout: still running after ${formatDurationMs(graceMs)}`);
    this.name = 'ShutdownTimeoutError';
    this.graceMs = graceMs;
  }
}

/** What a part does when started and stopped, and what it reports. */
export interface LifecycleHooks<S> {
  start(): Promise<void> | void;
  stop(options: StopOptions): Promise<void> | void;
  status(): S;
}

/**
 * A Lifecycle around start and stop hooks. `start()` runs the start hook once (a failure leaves
 * the part `failed` and rethrows); `stop()` runs the stop hook once for a part that runs, and
 * later calls wait for that same stop; a part never started becomes `stopped` without its hook.
 * `running: true` is for a part that is already running when it is made (a file already open).
 */
export function createLifecycle<S>(
  hooks: LifecycleHooks<S>,
  options: { running?: boolean } = {},
): Lifecycle<S> {
  let state: LifecycleState = options.running ? 'running' : 'idle';
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const start = async (): Promise<void> => {
    try {
      await hooks.start();
      state = 'running';
    } catch (err: unknown) {
      state = 'failed';
      throw err;
    }
  };
  const stop = async (options: StopOptions): Promise<void> => {
    if (state === 'idle' && starting) await starting.catch(() => undefined);
    if (state === 'failed') return;
    if (state !== 'running') {
      state = 'stopped';
      return;
    }
    state = 'draining';
    try {
      await hooks.stop(options);
      state = 'stopped';
    } catch (err: unknown) {
      state = 'failed';
      throw err;
    }
  };
  return {
    get state() {
      return state;
    },
    start(): Promise<void> {
      if (state !== 'idle' || stopping) return starting ?? Promise.resolve();
      return (starting ??= start());
    },
    stop(options: StopOptions): Promise<void> {
      return (stopping ??= stop(options));
    },
    status: () => hooks.status(),
  };
}
