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
