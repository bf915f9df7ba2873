/**
 * Writes every runner's instances (ids and use counts) to the state file every few seconds, and
 * once more when stopped after the runners, so that a restarted manager adopts what is there.
 */
import type { Clock } from '../platform/clock.js';
import type { ManagerStatus } from './manager.js';
import { createPart, type ManagerPart } from './parts.js';
import type { StateStore } from './state/state-store.js';

export interface InstanceRecorderStatus {
  everyMs: number;
  lastRecordAtMs?: number;
}

export function createInstanceRecorder(
  deps: {
    clock: Clock;
    store: Pick<StateStore, 'recordInstances'>;
    manager: { status(): Pick<ManagerStatus, 'runners'> };
  },
  everyMs = 5_000,
): ManagerPart<InstanceRecorderStatus> {
  let cancel = (): void => undefined;
  let lastRecordAtMs: number | undefined;
  const record = (): void => {
    lastRecordAtMs = deps.clock.now();
    for (const r of deps.manager.status().runners) {
      if (!r.fleet) continue;
      deps.store.recordInstances(
        r.name,
        r.fleet.instances
          .filter((i) => i.status !== 'removing')
          .map((i) => ({
            id: i.id,
            useCount: i.useCount,
            hadJobs: i.slotsInUse > 0,
            ...(i.launchedAtMs !== undefined ? { createdAtMs: i.launchedAtMs } : {}),
            ...(i.idleSinceMs !== undefined ? { lastUsedAtMs: i.idleSinceMs } : {}),
          })),
      );
    }
  };
  const tick = (): void => {
    record();
    cancel = deps.clock.schedule(everyMs, tick);
  };
  return createPart(
    'instance-recorder',
    {
      start: () => {
        cancel = deps.clock.schedule(everyMs, tick);
      },
      stop: () => {
        cancel();
        record();
      },
      status: () => ({ everyMs, ...(lastRecordAtMs !== undefined ? { lastRecordAtMs } : {}) }),
    },
    { outlivesRunners: true },
  );
}
