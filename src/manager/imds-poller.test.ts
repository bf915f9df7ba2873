import { describe, expect, it, vi } from 'vitest';
import type { InstanceConnection } from '../connect/connection.js';
import type { FleetInstanceView, FleetStatus } from '../fleet/fleet.js';
import { VirtualClock } from '../platform/clock.js';
import { MemoryLogger } from '../platform/logger.js';
import { defaultAwsProviderOptions, type AwsProvider } from '../providers/aws/index.js';
import type { InterruptionNotice } from '../providers/provider.js';
import type { AwsGroupHandle } from '../providers/aws/group-handle.js';
import { imdsPollerPart, startImdsPoller, type ImdsPollerDeps } from './imds-poller.js';

const DEADLINE = '2026-11-23T12:02:00Z';

function view(id: string, slotsInUse: number): FleetInstanceView {
  return {
    id,
    status: 'ready',
    providerState: 'running',
    useCount: 1,
    slotsInUse,
    capacity: 1,
    jobIds: slotsInUse > 0 ? [1] : [],
  };
}

function setup(imdsPollMs: number) {
  const scripts = new Map<string, string>();
  const reported: { id: string; notice: InterruptionNotice }[] = [];
  const provider = {
    ownsInstance: (id: string) => id !== 'i-foreign',
    connectInfo: () => Promise.reject(new Error('pooled connections only')),
    reportInterruption: (id: string, notice: InterruptionNotice) => {
      reported.push({ id, notice });
      return true;
    },
  } as unknown as AwsProvider;
  const group: AwsGroupHandle = {
    role: 'primary',
    provider,
    clients: {} as AwsGroupHandle['clients'],
    options: defaultAwsProviderOptions('g', {
      imdsPollMs,
      metadataUrl: 'http://127.0.0.1:9/imds/{instance_id}',
    }),
    clientKey: 'k',
  };
  const connection = (id: string): InstanceConnection =>
    ({
      instanceId: id,
      closed: false,
      exec: (script: string, o?: { onStdout?: (b: Buffer) => void }) => {
        scripts.set(id, script);
        const action = id === 'i-doomed' ? '200' : '404';
        const body = id === 'i-doomed' ? `{"action":"terminate","time":"${DEADLINE}"}` : '';
        o?.onStdout?.(Buffer.from(`@@action ${action}\n${body}\n@@rebalance 404\n\n`));
        return Promise.resolve({ exitCode: 0 });
      },
    }) as unknown as InstanceConnection;
  const instances = [
    view('i-doomed', 1),
    view('i-fine', 1),
    view('i-idle', 0),
    view('i-foreign', 1),
  ];
  const clock = new VirtualClock(0);
  const deps: ImdsPollerDeps = {
    clock,
    logger: new MemoryLogger(),
    pool: { get: (id) => Promise.resolve(connection(id)) },
    fleetStatus: () => ({ instances }) as unknown as FleetStatus,
  };
  return { deps, group, clock, scripts, reported };
}

describe('startImdsPoller', () => {
  it('is off unless imds_poll is set', () => {
    const s = setup(0);
    expect(startImdsPoller(s.deps, [s.group])).toBeUndefined();
    expect(imdsPollerPart(s.deps, [s.group])).toBeUndefined();
  });

  it('asks IMDS on busy instances of its groups only and reports the notice it finds', async () => {
    const s = setup(5_000);
    const poller = startImdsPoller(s.deps, [s.group]);
    expect(await poller!.pollOnce()).toBe(1);
    poller!.stop();
    expect([...s.scripts.keys()].sort()).toEqual(['i-doomed', 'i-fine']);
    expect(s.scripts.get('i-doomed')).toContain("'http://127.0.0.1:9/imds/i-doomed'");
    expect(s.reported).toEqual([
      { id: 'i-doomed', notice: { kind: 'termination', deadlineMs: Date.parse(DEADLINE) } },
    ]);
  });

  it('as a part of its runner, polls only between start and stop', async () => {
    const s = setup(5_000);
    const part = imdsPollerPart(s.deps, [s.group])!;
    await s.clock.advance(20_000);
    expect(s.reported).toEqual([]);
    await part.start();
    expect(part.status()).toEqual({ everyMs: 5_000, groups: ['g'] });
    await s.clock.advance(5_000);
    await vi.waitFor(() => expect(s.reported.map((r) => r.id)).toEqual(['i-doomed']));
    await part.stop({ graceMs: 0 });
    expect(part.state).toBe('stopped');
    expect(s.clock.pendingTimers).toBe(0);
  });
});
