export interface ScaleDownCandidate {
  id: string;
  /** Creation order; lower is older. */
  seq: number;
  slotsInUse: number;
  /** Last job end, or readiness if never used. */
  idleSinceMs: number;
  /** Ready and taking jobs (not creating, draining or unhealthy). */
  ready: boolean;
  /** Already marked for removal. */
  removing: boolean;
}

export interface ScaleDownRequest {
  /** How many instances to remove at most. */
  count: number;
  nowMs: number;
  idleTimeMs: number;
  /**
   * Candidates come in ascending idleSinceMs order: the walk stops at the first one that has not
   * been idle long enough (the engine keeps idle instances in that order).
   */
  orderedByIdleSince?: boolean;
}

/**
 * Which instances go on a negative delta (taskscaler `scale()` with `RemoveIfExpired()`, !127):
 * oldest first among instances with no slot in use, idle for at least idle_time, and not
 * already being removed (so a slow deletion is never counted twice).
 */
export function planScaleDown(
  candidates: Iterable<ScaleDownCandidate>,
  req: ScaleDownRequest,
): string[] {
  if (req.count <= 0) return [];
  const eligible: ScaleDownCandidate[] = [];
  for (const c of candidates) {
    const expired = req.nowMs - c.idleSinceMs >= req.idleTimeMs;
    if (!expired && req.orderedByIdleSince) break;
    if (expired && c.ready && !c.removing && c.slotsInUse === 0) eligible.push(c);
  }
  eligible.sort((a, b) => a.seq - b.seq);
  return eligible.slice(0, req.count).map((c) => c.id);
}
