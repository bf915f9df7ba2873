/**
 * EC2 billing for Linux instances: per second, with a 60-second minimum each time an instance
 * starts running. Interrupted spot instances are billed for the seconds used (conservative:
 * AWS may waive instances it interrupts within their first hour).
 */
export const MINIMUM_BILLED_SECONDS = 60;

/** Seconds billed for one instance that ran `runMs` (0 if it never ran). */
export function billedSeconds(runMs: number, minimumSeconds = MINIMUM_BILLED_SECONDS): number {
  if (!(runMs > 0)) return 0;
  return Math.max(minimumSeconds, Math.ceil(runMs / 1000));
}

/** USD for one instance that ran `runMs` at `pricePerHourUsd`. */
export function instanceCostUsd(runMs: number, pricePerHourUsd: number): number {
  return (billedSeconds(runMs) / 3600) * pricePerHourUsd;
}
