/**
 * Complete fleet options for engine tests, from partial ones: the engine has no defaults of its
 * own, so tests fill in the config's (gitlab-runner's) defaults here, as `loadConfig` would.
 */
import { DEFAULTS } from '../../config/defaults.js';
import type { FleetOptions, FleetPolicy } from '../options.js';

/** A policy as tests write it: preemptive_mode defaults to idle_count > 0, as in config.toml. */
export type TestPolicy = Pick<FleetPolicy, 'periods' | 'idleCount' | 'idleTimeMs'> &
  Partial<FleetPolicy>;

export type TestFleetOptions = Partial<Omit<FleetOptions, 'policies'>> & {
  policies?: readonly TestPolicy[];
};

export function testPolicy(p: TestPolicy): FleetPolicy {
  return {
    scaleFactor: 0,
    scaleFactorLimit: 0,
    preemptiveMode: p.idleCount > 0,
    ...p,
    periods: p.periods.length > 0 ? p.periods : DEFAULTS.policyPeriods,
  };
}

export function testPolicies(list: readonly TestPolicy[]): FleetPolicy[] {
  return list.map(testPolicy);
}

export function testFleetOptions(o: TestFleetOptions = {}): FleetOptions {
  const maxInstances = o.maxInstances ?? 0;
  const { policies, ...rest } = o;
  return {
    capacityPerInstance: DEFAULTS.capacityPerInstance,
    maxUseCount: 0,
    maxInstances,
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
    scaleThrottleBurst: 0,
    preexistingInstances: 'remove',
    readyUpBackoffBaseMs: DEFAULTS.readyUpBackoffBaseMs,
    readyUpBackoffMaxMs: DEFAULTS.readyUpBackoffMaxMs,
    instanceStartTimeoutMs: DEFAULTS.instanceStartTimeoutMs,
    ...rest,
    policies: testPolicies(
      policies && policies.length > 0
        ? policies
        : [{ periods: [], idleCount: 0, idleTimeMs: DEFAULTS.policyIdleTimeMs }],
    ),
  };
}
