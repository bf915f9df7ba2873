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
