/**
 * The manager's parts (state file, status server, orphan reconcile, token rotation, config
 * watcher, a runner's IMDS poller, …): each one Lifecycle with a name, started after the runners
 * and stopped in one place by the manager, and listed in its status (so in `/status`; never a
 * secret).
 */
import { describeError } from '../platform/errors.js';
import {
  createLifecycle,
  type Lifecycle,
  type LifecycleHooks,
  type LifecycleState,
  type StopOptions,
} from '../platform/lifecycle.js';
import type { Logger } from '../platform/logger.js';

export interface ManagerPart<S extends object = object> extends Lifecycle<S> {
  readonly name: string;
  /**
   * true: keeps going while the runners drain and stops after them (status server, state file).
   * false: stops before the runners drain (loops that change the fleet or the config).
   */
  readonly outlivesRunners: boolean;
  /** Started before the runners (the status server: /livez and /health answer during start). */
  readonly startsBeforeRunners?: boolean;
}

/** One part in the manager's status: its name and state, then what it reports. */
export interface PartStatus {
  name: string;
  state: LifecycleState;
  [detail: string]: unknown;
}

export function createPart<S extends object>(
  name: string,
  hooks: LifecycleHooks<S>,
  options: { outlivesRunners?: boolean; running?: boolean; startsBeforeRunners?: boolean } = {},
): ManagerPart<S> {
  const lifecycle = createLifecycle(hooks, options.running ? { running: true } : {});
  return {
    name,
    outlivesRunners: options.outlivesRunners ?? false,
    startsBeforeRunners: options.startsBeforeRunners ?? false,
    get state() {
      return lifecycle.state;
    },
    start: () => lifecycle.start(),
    stop: (o) => lifecycle.stop(o),
    status: () => lifecycle.status(),
  };
}

/** Starts parts in order. One that fails is logged and left `failed`; the others still start. */
export async function startParts(parts: readonly ManagerPart[], log: Logger): Promise<void> {
  for (const part of parts) {
    await part.start().catch((err: unknown) => {
      log.error({ part: part.name, err: describeError(err) }, 'part failed to start');
    });
  }
}

/** Stops parts in reverse order, each even when an earlier one failed to stop. */
export async function stopParts(
  parts: readonly ManagerPart[],
  options: StopOptions,
  log: Logger,
): Promise<void> {
  for (const part of [...parts].reverse()) {
    await part.stop(options).catch((err: unknown) => {
      log.error({ part: part.name, err: describeError(err) }, 'part failed to stop');
    });
  }
}

export function partStatuses(parts: readonly ManagerPart[]): PartStatus[] {
  return parts.map((p) => ({ ...p.status(), name: p.name, state: p.state }));
}
