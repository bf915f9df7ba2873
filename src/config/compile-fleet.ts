/**
 * The fleet engine's options for one runner, complete: the engine (`createFleet`) keeps no
 * defaults of its own, so every value, including the catch-all policy of a runner without
 * [[runners.autoscaler.policy]], is decided here once, for `run` and `plan` alike.
 */
import type { CompiledAutoscaler, CompiledFleet, CompiledPolicy } from './types.js';
import { DEFAULTS } from './defaults.js';

/** gitlab-runner's policy when none is given: no idle capacity, idle instances go after 5m. */
export const DEFAULT_POLICY: CompiledPolicy = Object.freeze({
  periods: DEFAULTS.policyPeriods,
  idleCount: 0,
  idleTimeMs: DEFAULTS.policyIdleTimeMs,
  scaleFactor: 0,
  scaleFactorLimit: 0,
  preemptiveMode: false,
});

/** How long the manager itself (shell/docker executors) counts as idle before "removal". */
const SELF_IDLE_TIME_MS = 60 * 60_000;

/** The fleet of an autoscaled runner: its [runners.autoscaler] section as the engine takes it. */
export function compileAutoscaledFleet(
  a: CompiledAutoscaler,
  instanceStartTimeoutMs: number,
): CompiledFleet {
  return {
    capacityPerInstance: a.capacityPerInstance,
    maxUseCount: a.maxUseCount,
    maxInstances: a.maxInstances,
    instanceAcquireTimeoutMs: a.instanceAcquireTimeoutMs,
    updateIntervalMs: a.updateIntervalMs,
    updateIntervalWhenExpectingMs: a.updateIntervalWhenExpectingMs,
    deletionRetryIntervalMs: a.deletionRetryIntervalMs,
    shutdownDeletionIntervalMs: a.shutdownDeletionIntervalMs,
    shutdownDeletionRetries: a.shutdownDeletionRetries,
    failureThreshold: a.failureThreshold,
    deleteInstancesOnShutdown: a.deleteInstancesOnShutdown,
    reservationThrottling: a.reservationThrottling,
    scaleThrottleLimitPerSec: a.scaleThrottleLimitPerSec,
    scaleThrottleBurst: a.scaleThrottleBurst,
    policies: a.policies.length > 0 ? a.policies : [DEFAULT_POLICY],
    readyUpBackoffBaseMs: DEFAULTS.readyUpBackoffBaseMs,
    readyUpBackoffMaxMs: DEFAULTS.readyUpBackoffMaxMs,
    instanceStartTimeoutMs,
  };
}

/**
 * The fleet of a shell/docker runner: the manager itself as one instance, always kept, with
 * `limit` slots (else `concurrent`).
 */
export function compileSelfFleet(slots: number, instanceStartTimeoutMs: number): CompiledFleet {
  return {
    capacityPerInstance: Math.max(1, slots),
    maxUseCount: 0,
    maxInstances: 1,
    instanceAcquireTimeoutMs: DEFAULTS.instanceAcquireTimeoutMs,
    updateIntervalMs: DEFAULTS.updateIntervalMs,
    updateIntervalWhenExpectingMs: DEFAULTS.updateIntervalWhenExpectingMs,
    deletionRetryIntervalMs: DEFAULTS.deletionRetryIntervalMs,
    shutdownDeletionIntervalMs: DEFAULTS.shutdownDeletionIntervalMs,
    shutdownDeletionRetries: DEFAULTS.shutdownDeletionRetries,
    failureThreshold: DEFAULTS.failureThreshold,
    deleteInstancesOnShutdown: false,
    reservationThrottling: DEFAULTS.reservationThrottling,
    scaleThrottleLimitPerSec: DEFAULTS.scaleThrottleLimitPerSec,
    scaleThrottleBurst: 1,
    policies: [{ ...DEFAULT_POLICY, idleCount: 1, idleTimeMs: SELF_IDLE_TIME_MS }],
    readyUpBackoffBaseMs: DEFAULTS.readyUpBackoffBaseMs,
    readyUpBackoffMaxMs: DEFAULTS.readyUpBackoffMaxMs,
    instanceStartTimeoutMs,
  };
}
