/**
 * The runner's `confirmLoss`: after a job's connection broke, ask the cloud a few times over a
 * few seconds whether the instance is gone (a spot reclaim without notice shows up in the next
 * listing, or as a terminated spot request). True once the fleet has aborted the acquisition.
 */
import type { Acquisition } from '../fleet/fleet.js';
import type { FleetEngine } from '../fleet/index.js';
import type { Clock } from '../platform/clock.js';

/** Delays before each look, from the failure on: 0 s, 1 s, 3 s, 6 s. */
export const CONFIRM_LOSS_DELAYS_MS: readonly number[] = [0, 1_000, 2_000, 3_000];

export function confirmLossVia(
  deps: { clock: Clock; fleet: Pick<FleetEngine, 'refresh'> },
  delaysMs: readonly number[] = CONFIRM_LOSS_DELAYS_MS,
): (acquisition: Acquisition) => Promise<boolean> {
  return async (acquisition) => {
    for (const delayMs of delaysMs) {
      if (acquisition.signal.aborted) return true;
      if (delayMs > 0) await deps.clock.sleep(delayMs);
      await deps.fleet.refresh();
    }
    return acquisition.signal.aborted;
  };
}
