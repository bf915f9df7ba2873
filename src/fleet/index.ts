/** Public entry of the fleet engine (taskscaler semantics over a Clock and a Provider). */
export type {
  AcquireOptions,
  Acquisition,
  Fleet,
  FleetInstanceStatus,
  FleetInstanceView,
  FleetStatus,
  ReleaseOptions,
  ReserveResult,
} from './fleet.js';
export { createFleet, type FleetDeps, type FleetEngine } from './fleet-engine.js';
export type { FleetCounters } from './fleet-core.js';
export {
  checkFleetOptions,
  type FleetOptions,
  type FleetPolicy,
  type PreexistingPolicy,
  type ReadyUpFn,
} from './options.js';
export { InstanceInterruptedError, InstanceLostError } from './fleet.js';
export { computeIdleTarget, type IdleTargetInput } from './idle-target.js';
export {
  computeRequiredInstances,
  type CapacityInfo,
  type RequiredInstances,
} from './required-instances.js';
export {
  activePolicy,
  compilePolicySchedule,
  FALLBACK_POLICY,
  type ActivePolicy,
  type PolicySchedule,
} from './active-policy.js';
export { compilePeriod, type PeriodMatcher } from './period-matcher.js';
export { planScaleDown, type ScaleDownCandidate, type ScaleDownRequest } from './scale-down.js';
export {
  decidePreemptiveReserve,
  protectedReservations,
  reservationLimit,
  type ReservationState,
} from './reservation-throttle.js';
export { ScaleThrottle } from './scale-throttle.js';
