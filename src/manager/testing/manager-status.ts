/** ManagerStatus fixtures for tests of what reads it (status server, `fleet ls`). */
import type { FleetInstanceView } from '../../fleet/fleet.js';
import type { ManagerStatus } from '../manager.js';

type FleetView = NonNullable<ManagerStatus['runners'][number]['fleet']>;

/** A ready, unused instance with one slot; `over` changes what a test is about. */
export function fleetInstance(over: Partial<FleetInstanceView>): FleetInstanceView {
  return {
    id: 'i-1',
    status: 'ready',
    providerState: 'running',
    useCount: 0,
    slotsInUse: 0,
    capacity: 1,
    jobIds: [],
    ...over,
  };
}

/** A running manager (concurrent 4, one job running) with one healthy runner "spot" on these instances. */
export function managerStatus(
  instances: FleetInstanceView[],
  fleet: Partial<Omit<FleetView, 'instances'>> = {},
): ManagerStatus {
  return {
    state: 'running',
    concurrent: 4,
    jobsRunning: 1,
    runners: [
      {
        name: 'spot',
        executor: 'instance',
        state: 'running',
        loop: {
          runner: 'spot',
          state: 'running',
          running: [],
          jobsReceived: 1,
          jobsFinished: 0,
          healthy: true,
        },
        fleet: {
          providerId: 'sim/test',
          instances,
          reserved: 0,
          acquired: 1,
          pending: 0,
          idleTarget: 0,
          policyIndex: 0,
          ...fleet,
        },
      },
    ],
    parts: [],
  };
}
