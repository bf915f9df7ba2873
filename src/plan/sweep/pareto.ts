/** Pareto front over (cost, wait), both to be minimised. */
export interface CostWait {
  costPerMonthUsd: number;
  p95WaitSeconds: number;
}

/** True for points no other point beats on both (≤ on both and < on one). */
export function paretoFront(points: readonly CostWait[]): boolean[] {
  return points.map(
    (p) =>
      !points.some(
        (q) =>
          q.costPerMonthUsd <= p.costPerMonthUsd &&
          q.p95WaitSeconds <= p.p95WaitSeconds &&
          (q.costPerMonthUsd < p.costPerMonthUsd || q.p95WaitSeconds < p.p95WaitSeconds),
      ),
  );
}
