import { abortReason } from '../platform/abort.js';
import { formatDurationMs } from '../platform/durations.js';
import { SpotrunnerError } from '../platform/errors.js';
import type { FleetAcquisition } from './acquisition.js';
import type { AcquireOptions, ReserveResult } from './fleet.js';
import type { FleetCore, Waiter } from './fleet-core.js';
import { computeIdleTarget } from './idle-target.js';
import type { FleetPolicy } from './options.js';
import { decidePreemptiveReserve } from './reservation-throttle.js';

/**
 * Whether a job may be requested now (taskscaler `Reserve`, §2.5): in preemptive mode only if an
 * unreserved slot on a ready instance is free (and reservation throttling allows); otherwise
 * while the claimed slots stay under max_instances × capacity_per_instance.
 */
export function decideReserve(core: FleetCore, policy: FleetPolicy): ReserveResult {
  const b = core.book;
  const reserved = core.reservations.size;
  if (policy.preemptiveMode) {
    const decision = decidePreemptiveReserve({
      reserved,
      freeSlots: b.freeSlots,
      idleTarget: computeIdleTarget(policy, b.acquired),
      capacityPerInstance: core.opts.capacityPerInstance,
      throttling: core.opts.reservationThrottling,
    });
    if (decision.ok) return decision;
    const what = decision.reason === 'throttled' ? 'reservations throttled' : 'no free capacity';
    return {
      ok: false,
      reason: `${what} (idle=${b.freeSlots}, reserved=${reserved}, acquired=${b.acquired}, unavailable=${b.unavailable}, unready=${b.booting * b.capacity})`,
    };
  }
  const limit = core.maxInstances * core.opts.capacityPerInstance;
  const claimed = b.acquired + b.unavailable + core.waiters.size + reserved;
  if (claimed < limit) return { ok: true };
  return { ok: false, reason: `no capacity: ${claimed} of ${limit} slots claimed (max_instances)` };
}

/**
 * Queues an acquisition until a slot frees up (it counts as pending demand and drives
 * scale-up), the acquire timeout passes, or the caller's signal aborts.
 */
export function waitForSlot(
  core: FleetCore,
  key: string,
  options: AcquireOptions,
): Promise<FleetAcquisition> {
  const timeoutMs = core.opts.instanceAcquireTimeoutMs;
  return new Promise<FleetAcquisition>((resolve, reject) => {
    const signal = options.signal;
    const onAbort = (): void => {
      if (!core.waiters.delete(waiter)) return;
      waiter.cleanup();
      reject(abortReason(signal));
      core.requestEvaluate();
    };
    const cancelTimer = core.clock.schedule(timeoutMs, () => {
      if (!core.waiters.delete(waiter)) return;
      waiter.cleanup();
      core.counters.acquireTimeouts++;
      core.logger.warn({ key, jobId: options.jobId, timeoutMs }, 'acquire timed out');
      const message = `unable to acquire instance within the configured timeout of ${formatDurationMs(timeoutMs)}`;
      reject(new SpotrunnerError('acquire_timeout', message, { retryable: true }));
      core.requestEvaluate();
    });
    const waiter: Waiter = {
      key,
      avoid: options.avoid,
      accept: options.accept,
      jobId: options.jobId,
      resolve,
      reject,
      cleanup: () => {
        cancelTimer();
        signal?.removeEventListener('abort', onAbort);
      },
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    core.waiters.add(waiter);
  });
}

/** A release while the acquisition still waits: stop waiting (the job gave up). */
export function cancelWaiting(core: FleetCore, key: string): boolean {
  for (const w of core.waiters) {
    if (w.key !== key) continue;
    core.waiters.delete(w);
    w.cleanup();
    w.reject(new SpotrunnerError('canceled', `acquisition ${key} released while waiting`));
    core.requestEvaluate();
    return true;
  }
  return false;
}
