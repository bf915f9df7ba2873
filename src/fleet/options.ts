/** Fleet engine options and policies. */
import { SpotrunnerError } from '../platform/errors.js';
import type { ConnectInfo } from '../providers/provider.js';

export interface FleetPolicy {
  /** 5-field cron minute masks; the policy is active while "now" is inside one of them. */
  periods: readonly string[];
  /** IANA zone the periods are evaluated in; undefined = the manager's local zone. */
  timezone?: string;
  /** Idle capacity to keep, in job slots (not instances). */
  idleCount: number;
  /** How long an instance may stay idle before it may be removed. */
  idleTimeMs: number;
  scaleFactor: number;
  /** Upper cap on the scale-factor result; 0 = no cap. */
  scaleFactorLimit: number;
  preemptiveMode: boolean;
}

/**
 * Fleet engine options, all required: the compiled config (`CompiledRunner.fleet`) supplies
 * every value, gitlab-runner's defaults already applied, so the engine keeps none of its own.
 * Field names mirror `CompiledAutoscaler` / `CompiledPolicy` (fleet/ does not import config/).
 */
export interface FleetOptions {
  /** Slots (concurrent jobs) per instance, ≥ 1. */
  capacityPerInstance: number;
  /** Acquisitions an instance may serve before it is drained and removed; 0 = unlimited. */
  maxUseCount: number;
  /** Hard cap on instances; 0 = the provider's maxSize. */
  maxInstances: number;
  instanceAcquireTimeoutMs: number;
  updateIntervalMs: number;
  updateIntervalWhenExpectingMs: number;
  deletionRetryIntervalMs: number;
  shutdownDeletionIntervalMs: number;
  shutdownDeletionRetries: number;
  /** Consecutive unhealthy releases after which an instance is replaced; 0 = never. */
  failureThreshold: number;
  deleteInstancesOnShutdown: boolean;
  reservationThrottling: boolean;
  /** Instances created per second; -1 = unlimited. */
  scaleThrottleLimitPerSec: number;
  /** Token bucket size; 0 = maxInstances (or the limit when maxInstances is 0). */
  scaleThrottleBurst: number;
  /** At least one; the last whose periods contain "now" is in force. */
  policies: readonly FleetPolicy[];
  /**
   * What to do with instances the provider already lists at start. `remove` (gitlab-runner's
   * behaviour without state storage) or `adopt` (static hosts, restarts that keep instances).
   */
  preexistingInstances: PreexistingPolicy;
  /** Exponential backoff on scale-up after ready-up failures. */
  readyUpBackoffBaseMs: number;
  readyUpBackoffMaxMs: number;
  /**
   * How long an instance may take from first being listed to ready (still creating at the
   * provider, or connecting and running instance_ready_command) before it is removed as a
   * failed start. Infinity = never.
   */
  instanceStartTimeoutMs: number;
}

/**
 * What to do with an instance the provider lists at start: `remove` it (gitlab-runner without
 * state storage), `adopt` it, or decide per instance — a restarted manager adopts the instances
 * its state file knows (with their use counts) and removes the rest.
 */
export type PreexistingPolicy =
  | 'remove'
  | 'adopt'
  | ((instanceId: string) => { adopt: false } | { adopt: true; useCount?: number });

/** Connect and run `instance_ready_command`; a rejection means the instance is not usable. */
export type ReadyUpFn = (
  instance: { id: string; connectInfo: ConnectInfo },
  signal: AbortSignal,
) => Promise<void>;

/**
 * Checks what the engine cannot work with (the compiled config never produces it); throws
 * SpotrunnerError('config_invalid') naming the option.
 */
export function checkFleetOptions(o: FleetOptions): void {
  const fail = (what: string): never => {
    throw new SpotrunnerError('config_invalid', `fleet options: ${what}`);
  };
  if (!Number.isInteger(o.capacityPerInstance) || o.capacityPerInstance < 1)
    fail(`capacityPerInstance must be a whole number ≥ 1, got ${o.capacityPerInstance}`);
  if (o.policies.length === 0) fail('at least one policy is needed');
  if (!(o.instanceStartTimeoutMs > 0)) fail('instanceStartTimeoutMs must be > 0');
  for (const key of [
    'updateIntervalMs',
    'updateIntervalWhenExpectingMs',
    'instanceAcquireTimeoutMs',
  ] as const) {
    if (!(o[key] > 0)) fail(`${key} must be > 0, got ${o[key]}`);
  }
}
