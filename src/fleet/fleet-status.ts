import type { FleetInstanceView } from './fleet.js';
import type { FleetInstance } from './fleet-instance.js';

/** The operator's view of one instance (status API, `fleet ls`). */
export function viewInstance(inst: FleetInstance): FleetInstanceView {
  return {
    id: inst.id,
    status: inst.status,
    providerState: inst.providerState,
    ...(inst.instanceType === undefined ? {} : { instanceType: inst.instanceType }),
    ...(inst.lifecycle === undefined ? {} : { lifecycle: inst.lifecycle }),
    ...(inst.launchedAtMs === undefined ? {} : { launchedAtMs: inst.launchedAtMs }),
    ...(inst.runningAtMs === undefined ? {} : { runningAtMs: inst.runningAtMs }),
    ...(inst.readyAtMs === undefined ? {} : { readyAtMs: inst.readyAtMs }),
    ...(inst.readyAtMs !== undefined && inst.inUse === 0 ? { idleSinceMs: inst.idleSinceMs } : {}),
    useCount: inst.useCount,
    slotsInUse: inst.inUse,
    capacity: inst.capacity,
    ...(inst.interruption === undefined ? {} : { interruption: inst.interruption }),
    ...(inst.removalReason === undefined ? {} : { removalReason: inst.removalReason }),
    jobIds: inst.jobIds(),
  };
}
