/**
 * Fleet engine options. Field names mirror `CompiledAutoscaler` / `CompiledPolicy` in
 * `src/config/types.ts`, so a compiled autoscaler section can be passed as-is (structural typing;
 * fleet/ does not import config/). Every field is optional here and defaults to gitlab-runner's.
 */
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
  scaleFactor?: number;
  /** Upper cap on the scale-factor result; 0 = no cap. */
  scaleFactorLimit?: number;
  /** Defaults to `idleCount > 0`. */
  preemptiveMode?: boolean;
}

export interface FleetOptions {
  /** Slots (concurrent jobs) per instance; 0 acts as 1. */
  capacityPerInstance?: number;
  /** Acquisitions an instance may serve before it is drained and removed; 0 = unlimited. */
  maxUseCount?: number;
  /** Hard cap on instances; 0 = the provider's maxSize. */
  maxInstances?: number;
  instanceAcquireTimeoutMs?: number;
  updateIntervalMs?: number;
  updateIntervalWhenExpectingMs?: number;
  deletionRetryIntervalMs?: number;
  shutdownDeletionIntervalMs?: number;
  shutdownDeletionRetries?: number;
  /** Consecutive unhealthy releases after which an instance is replaced; 0 = never. */
  failureThreshold?: number;
  deleteInstancesOnShutdown?: boolean;
  reservationThrottling?: boolean;
  /** Instances created per second; 0 = 100/s, -1 = unlimited. */
  scaleThrottleLimitPerSec?: number;
  /** Token bucket size; 0 = maxInstances (or the limit when maxInstances is 0). */
  scaleThrottleBurst?: number;
  policies?: readonly FleetPolicy[];
  /**
   * What to do with instances the provider already lists at start. `remove` (gitlab-runner's
   * behaviour without state storage) or `adopt` (static hosts, restarts that keep instances).
   */
  preexistingInstances?: PreexistingPolicy;
  /** Exponential backoff on scale-up after ready-up failures. */
  readyUpBackoffBaseMs?: number;
  readyUpBackoffMaxMs?: number;
  /**
   * Jittered exponential backoff between ready-up attempts on one instance after a retryable
   * failure (sshd not answering yet), until instanceStartTimeoutMs.
   */
  readyUpRetryBaseMs?: number;
  readyUpRetryMaxMs?: number;
  /**
   * How long an instance may take from first being listed to ready (still creating at the
   * provider, or connecting and running instance_ready_command) before it is removed as a
   * failed start. 0 = 20 minutes; Infinity = never.
   */
  instanceStartTimeoutMs?: number;
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

export interface ResolvedPolicy {
  periods: readonly string[];
  timezone?: string;
  idleCount: number;
  idleTimeMs: number;
  scaleFactor: number;
  scaleFactorLimit: number;
  preemptiveMode: boolean;
}

export interface ResolvedFleetOptions {
  capacityPerInstance: number;
  maxUseCount: number;
  /** 0 until the provider's maxSize is known. */
  maxInstances: number;
  instanceAcquireTimeoutMs: number;
  updateIntervalMs: number;
  updateIntervalWhenExpectingMs: number;
  deletionRetryIntervalMs: number;
  shutdownDeletionIntervalMs: number;
  shutdownDeletionRetries: number;
  failureThreshold: number;
  deleteInstancesOnShutdown: boolean;
  reservationThrottling: boolean;
  scaleThrottleLimitPerSec: number;
  scaleThrottleBurst: number;
  policies: readonly ResolvedPolicy[];
  preexistingInstances: PreexistingPolicy;
  readyUpBackoffBaseMs: number;
  readyUpBackoffMaxMs: number;
  readyUpRetryBaseMs: number;
  readyUpRetryMaxMs: number;
  instanceStartTimeoutMs: number;
}

/** spotrunner's own bound on an instance's start; gitlab-runner has none (semantics §2.8). */
export const DEFAULT_INSTANCE_START_TIMEOUT_MS = 20 * 60_000;

export const DEFAULT_POLICY: ResolvedPolicy = Object.freeze({
  periods: Object.freeze(['* * * * *']),
  idleCount: 0,
  idleTimeMs: 5 * 60_000,
  scaleFactor: 0,
  scaleFactorLimit: 0,
  preemptiveMode: false,
});

export function resolvePolicy(p: FleetPolicy): ResolvedPolicy {
  return {
    periods: p.periods.length > 0 ? p.periods : DEFAULT_POLICY.periods,
    ...(p.timezone === undefined ? {} : { timezone: p.timezone }),
    idleCount: Math.max(0, p.idleCount),
    idleTimeMs: Math.max(0, p.idleTimeMs),
    scaleFactor: Math.max(0, p.scaleFactor ?? 0),
    scaleFactorLimit: Math.max(0, p.scaleFactorLimit ?? 0),
    preemptiveMode: p.preemptiveMode ?? p.idleCount > 0,
  };
}

/** Resolves a policy list; an empty list means one catch-all policy with the defaults. */
export function resolvePolicies(list: readonly FleetPolicy[] | undefined): ResolvedPolicy[] {
  const policies = (list ?? []).map(resolvePolicy);
  return policies.length > 0 ? policies : [{ ...DEFAULT_POLICY }];
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && value > 0 ? value : fallback;
}

/** Applies gitlab-runner's defaults (autoscaler-semantics §1.1). */
export function resolveFleetOptions(o: FleetOptions): ResolvedFleetOptions {
  return {
    capacityPerInstance: Math.max(1, Math.floor(o.capacityPerInstance ?? 1)),
    maxUseCount: Math.max(0, o.maxUseCount ?? 0),
    maxInstances: Math.max(0, o.maxInstances ?? 0),
    instanceAcquireTimeoutMs: positive(o.instanceAcquireTimeoutMs, 15 * 60_000),
    updateIntervalMs: positive(o.updateIntervalMs, 60_000),
    updateIntervalWhenExpectingMs: positive(o.updateIntervalWhenExpectingMs, 2_000),
    deletionRetryIntervalMs: positive(o.deletionRetryIntervalMs, 60_000),
    shutdownDeletionIntervalMs: positive(o.shutdownDeletionIntervalMs, 10_000),
    shutdownDeletionRetries: positive(o.shutdownDeletionRetries, 3),
    failureThreshold: Math.max(0, o.failureThreshold ?? 3),
    deleteInstancesOnShutdown: o.deleteInstancesOnShutdown ?? false,
    reservationThrottling: o.reservationThrottling ?? true,
    scaleThrottleLimitPerSec: o.scaleThrottleLimitPerSec ?? 0,
    scaleThrottleBurst: o.scaleThrottleBurst ?? 0,
    policies: resolvePolicies(o.policies),
    preexistingInstances: o.preexistingInstances ?? 'remove',
    readyUpBackoffBaseMs: positive(o.readyUpBackoffBaseMs, 5_000),
    readyUpBackoffMaxMs: positive(o.readyUpBackoffMaxMs, 5 * 60_000),
    readyUpRetryBaseMs: positive(o.readyUpRetryBaseMs, 1_000),
    readyUpRetryMaxMs: positive(o.readyUpRetryMaxMs, 15_000),
    instanceStartTimeoutMs: positive(o.instanceStartTimeoutMs, DEFAULT_INSTANCE_START_TIMEOUT_MS),
  };
}
