/**
 * The manager itself as the only instance, for the non-autoscaled `shell` and `docker` executors:
 * present once the fleet asks for it; its slots (the fleet's capacity per instance) are the
 * runner's `limit`, or `concurrent`.
 */
import type { Clock } from '../platform/clock.js';
import type { ConnectInfo, InstanceInfo, Provider, ProviderInfo } from '../providers/provider.js';

export const SELF_INSTANCE_ID = 'manager';

export function createSelfProvider(deps: { clock: Clock }): Provider {
  const launchedAtMs = deps.clock.now();
  let present = false;
  return {
    init: (): Promise<ProviderInfo> => Promise.resolve({ id: 'self', maxSize: 1 }),
    update: (): Promise<InstanceInfo[]> =>
      Promise.resolve(present ? [{ id: SELF_INSTANCE_ID, state: 'running', launchedAtMs }] : []),
    increase: (n: number): Promise<number> => {
      if (present || n <= 0) return Promise.resolve(0);
      present = true;
      return Promise.resolve(1);
    },
    decrease: (ids: readonly string[]): Promise<string[]> => {
      if (!ids.includes(SELF_INSTANCE_ID) || !present) return Promise.resolve([]);
      present = false;
      return Promise.resolve([SELF_INSTANCE_ID]);
    },
    connectInfo: (id: string): Promise<ConnectInfo> =>
      Promise.resolve({
        id,
        os: 'linux',
        arch: 'amd64',
        protocol: 'ssh',
        port: 0,
        username: '',
        internalAddr: 'localhost',
      }),
    shutdown: (): Promise<void> => Promise.resolve(),
  };
}
