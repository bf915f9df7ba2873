/** The inputs taskscaler logs as `capacity-info` (autoscaler-semantics §2.1), in slots. */
export interface CapacityInfo {
  /** Instances that count: not reported deleting by the provider, plus requested ones not yet seen. */
  instanceCount: number;
  maxInstanceCount: number;
  /** Slots bound to jobs on instances that still count. */
  acquired: number;
  /** Slots that cannot be handed out: drained, max-use reached, unhealthy or marked for removal. */
  unavailableCapacity: number;
  /** Acquisitions waiting for a slot. */
  pending: number;
  /** Reservations that keep free capacity from being scaled down (after throttling). */
  reserved: number;
  idleTarget: number;
  capacityPerInstance: number;
}

export interface RequiredInstances {
  /** Instances the fleet should have. */
  target: number;
  /** Signed change: > 0 increase, < 0 scale down by that many. */
  delta: number;
  /** Slots the target was derived from. */
  demand: number;
}

/**
 * `ceil(demand / capacity_per_instance)` capped at max_instances, where demand =
 * acquired + unavailable + pending + max(idleTarget, reserved).
 *
 * Reservations only act as a floor: they keep free capacity from being removed but never add
 * capacity on top of the idle target (otherwise a runner that always holds a poll reservation
 * would keep a fleet from ever scaling to zero).
 *
 * The !49 runaway guard: acquired + unavailable slots can never be more than the counted
 * instances provide (e.g. after instances vanished under running jobs); the excess is phantom
 * demand and does not create capacity.
 */
export function computeRequiredInstances(info: CapacityInfo): RequiredInstances {
  const cap = Math.max(1, info.capacityPerInstance);
  const held = Math.min(info.acquired + info.unavailableCapacity, info.instanceCount * cap);
  const spare = Math.max(info.idleTarget, info.reserved);
  const demand = held + Math.max(0, info.pending) + Math.max(0, spare);
  const target = Math.min(Math.ceil(demand / cap), Math.max(0, info.maxInstanceCount));
  return { target, delta: target - info.instanceCount, demand };
}
