export interface IdleTargetInput {
  idleCount: number;
  scaleFactor: number;
  /** 0 = no cap. */
  scaleFactorLimit: number;
}

/**
 * Idle capacity to keep, in slots: `max(idle_count, min(ceil(scale_factor × inUse),
 * scale_factor_limit or ∞))` (autoscaler-semantics §2.2; idle_count is the floor, the limit
 * caps only the scale-factor part).
 */
export function computeIdleTarget(policy: IdleTargetInput, inUse: number): number {
  const idleCount = Math.max(0, policy.idleCount);
  if (!(policy.scaleFactor > 0)) return idleCount;
  let factor = Math.ceil(policy.scaleFactor * Math.max(0, inUse));
  if (policy.scaleFactorLimit > 0) factor = Math.min(factor, policy.scaleFactorLimit);
  return Math.max(idleCount, factor);
}
