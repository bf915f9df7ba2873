import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import { MemoryLogger } from '../../platform/logger.js';
import type { ConnectInfo, InstanceInfo, Provider } from '../provider.js';
import { createFallbackProvider } from './fallback-provider.js';

/** An Auto Scaling group in miniature: increase raises desired; launches happen when allowed. */
class FakeGroup implements Provider {
  desired = 0;
  instances: InstanceInfo[] = [];
  canLaunch = true;
  #seq = 0;
  constructor(readonly name: string) {}
  init = () => Promise.resolve({ id: this.name, maxSize: 10 });
  update = (): Promise<InstanceInfo[]> => {
    while (this.canLaunch && this.instances.length < this.desired) {
      this.instances.push({ id: `${this.name}-${++this.#seq}`, state: 'running' });
    }
    return Promise.resolve(this.instances.map((i) => ({ ...i })));
  };
  increase = (n: number) => {
    this.desired += n;
    return Promise.resolve(n);
  };
  /** As an Auto Scaling group: lowers desired, never below the instances it holds. */
  cancelRequested?: (n: number) => Promise<number> = (n: number) => {
    const withdrawn = Math.max(0, Math.min(n, this.desired - this.instances.length));
    this.desired -= withdrawn;
    return Promise.resolve(withdrawn);
  };
  decrease = (ids: readonly string[]) => {
    this.instances = this.instances.filter((i) => !ids.includes(i.id));
    this.desired -= ids.length;
    return Promise.resolve([...ids]);
  };
  connectInfo = (id: string): Promise<ConnectInfo> =>
    Promise.resolve({
      id,
      os: 'linux',
      arch: 'amd64',
      protocol: 'ssh',
      port: 22,
      username: this.name,
    });
  shutdown = () => Promise.resolve();
}

function setup() {
  const clock = new VirtualClock(0);
  const logger = new MemoryLogger();
  const spot = new FakeGroup('spot');
  const onDemand = new FakeGroup('od');
  const provider = createFallbackProvider({ clock, logger }, spot, onDemand, {
    afterMs: 180_000,
    probeIntervalMs: 300_000,
  });
  return { clock, logger, spot, onDemand, provider };
}

describe('fallback provider', () => {
  it('asks the primary first and stays there while it launches', async () => {
    const { spot, onDemand, provider } = setup();
    await provider.init();
    await provider.update();
    expect(await provider.increase(2)).toBe(2);
    const list = await provider.update();
    expect(list.map((i) => i.id)).toEqual(['spot-1', 'spot-2']);
    expect(onDemand.desired).toBe(0);
    expect(provider.fallbackStatus().mode).toBe('primary');
    expect((await provider.connectInfo('spot-1')).username).toBe('spot');
    expect(spot.desired).toBe(2);
  });

  it('asks the secondary for capacity the primary did not launch within the wait, then routes there', async () => {
    const { clock, spot, onDemand, provider, logger } = setup();
    await provider.init();
    await provider.update();
    spot.canLaunch = false;
    await provider.increase(2);
    await clock.advance(60_000);
    expect((await provider.update()).length).toBe(0);
    await clock.advance(120_000);
    const list = await provider.update();
    expect(onDemand.desired).toBe(2);
    expect(spot.desired).toBe(0);
    expect(provider.fallbackStatus().mode).toBe('secondary');
    expect(logger.messages('warn')).toContain('falling back to the secondary group');
    expect((await provider.update()).map((i) => [i.id, i.detail])).toEqual([
      ['od-1', 'fallback group'],
      ['od-2', 'fallback group'],
    ]);
    expect(list.map((i) => i.id)).toEqual([]);
    await provider.increase(1);
    expect(onDemand.desired).toBe(3);
    expect((await provider.connectInfo('od-1')).username).toBe('od');
    expect(await provider.decrease(['od-1'])).toEqual(['od-1']);
    expect(onDemand.desired).toBe(2);
  });

  it('probes the primary while on the secondary and returns once it launches again', async () => {
    const { clock, spot, onDemand, provider } = setup();
    await provider.init();
    await provider.update();
    spot.canLaunch = false;
    await provider.increase(1);
    await clock.advance(180_000);
    await provider.update();
    expect(provider.fallbackStatus().mode).toBe('secondary');
    await clock.advance(300_000);
    spot.canLaunch = true;
    await provider.increase(2);
    expect(onDemand.desired).toBe(2);
    expect(spot.desired).toBe(1);
    const list = await provider.update();
    expect(provider.fallbackStatus().mode).toBe('primary');
    // Only the probe launches: the request moved to the secondary was withdrawn from spot.
    expect(list.filter((i) => i.id.startsWith('spot-')).map((i) => i.id)).toEqual(['spot-1']);
    await provider.increase(1);
    expect(onDemand.desired).toBe(2);
  });

  it('gives rescued jobs capacity on the secondary on request, whatever the mode', async () => {
    const { spot, onDemand, provider } = setup();
    await provider.init();
    await provider.update();
    expect(await provider.increaseSecondary(1)).toBe(1);
    const list = await provider.update();
    expect(provider.fallbackStatus().mode).toBe('primary');
    expect(list.map((i) => [i.id, provider.isSecondary(i.id)])).toEqual([['od-1', true]]);
    expect(spot.desired).toBe(0);
    expect(onDemand.desired).toBe(1);
  });

  it('falls back at once when the primary refuses the request outright', async () => {
    const { spot, onDemand, provider } = setup();
    await provider.init();
    spot.increase = () => Promise.reject(new Error('MaxSpotInstanceCountExceeded'));
    expect(await provider.increase(2)).toBe(2);
    expect(onDemand.desired).toBe(2);
    expect(provider.fallbackStatus().mode).toBe('secondary');
  });

  it('withdraws stale requests from the primary first, then from the secondary', async () => {
    const { clock, spot, onDemand, provider } = setup();
    await provider.init();
    await provider.update();
    spot.canLaunch = false;
    onDemand.canLaunch = false;
    await provider.increase(3);
    await clock.advance(60_000);
    await provider.update();
    expect(await provider.cancelRequested!(1)).toBe(1);
    expect(spot.desired).toBe(2);
    expect(provider.fallbackStatus().pendingPrimary).toBe(2);
    await clock.advance(120_000);
    await provider.update();
    expect([spot.desired, onDemand.desired]).toEqual([0, 2]);
    expect(await provider.cancelRequested!(5)).toBe(2);
    expect(onDemand.desired).toBe(0);
  });

  it('keeps the primary raised when it cannot withdraw, and says why when withdrawing fails', async () => {
    const { clock, spot, onDemand, provider, logger } = setup();
    spot.cancelRequested = () => Promise.reject(new Error('Throttling: Rate exceeded'));
    onDemand.cancelRequested = undefined;
    await provider.init();
    await provider.update();
    spot.canLaunch = false;
    await provider.increase(2);
    expect(await provider.cancelRequested!(1)).toBe(0);
    expect(logger.messages('error')).toContain('primary group could not withdraw requests');
    await clock.advance(180_000);
    await provider.update();
    expect([spot.desired, onDemand.desired]).toEqual([2, 2]);
    expect(await provider.cancelRequested!(2)).toBe(0);
  });
});
