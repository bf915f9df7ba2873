import { describe, expect, it } from 'vitest';
import { SystemClock, VirtualClock } from '../../platform/clock.js';
import { describeProviderContract } from '../provider.contract.js';
import { createSimProvider } from './sim-provider.js';

describeProviderContract('sim', async () => {
  const clock = new VirtualClock();
  const provider = createSimProvider({ clock }, { seed: 7, maxSize: 5 });
  return {
    provider,
    clock,
    advance: (ms) => clock.advance(ms),
    cleanup: () => provider.shutdown(),
  };
});

// The same contract in real time (how local/static/aws run it): 20 ms boots, polled.
describeProviderContract(
  'sim on the system clock',
  async () => {
    const clock = new SystemClock();
    const provider = createSimProvider(
      { clock },
      { seed: 7, maxSize: 5, bootTime: { medianMs: 20, sigma: 0, minMs: 0 }, deleteDelayMs: 20 },
    );
    return { provider, clock, cleanup: () => provider.shutdown() };
  },
  { pollMs: 10, realTimeoutMs: 5_000 },
);

const HOUR = 3_600_000;

async function launchAndList(seed: number): Promise<string> {
  const clock = new VirtualClock();
  const sim = createSimProvider({ clock }, { seed, interruptionsPerInstanceHour: 0.5 });
  await sim.increase(5);
  const trail: string[] = [];
  for (let t = 0; t < 10; t++) {
    await clock.advance(HOUR);
    trail.push(
      (await sim.update())
        .map((i) => `${i.id}:${i.state}:${i.interruption?.kind ?? '-'}`)
        .join(','),
    );
  }
  return trail.join('|') + JSON.stringify(sim.counters());
}

describe('sim provider', () => {
  it('replays the same run for the same seed and a different one for another seed', async () => {
    expect(await launchAndList(3)).toBe(await launchAndList(3));
    expect(await launchAndList(3)).not.toBe(await launchAndList(4));
  });

  it('boots instances after a log-normal time bounded below by minMs', async () => {
    const clock = new VirtualClock();
    const sim = createSimProvider(
      { clock },
      { seed: 1, bootTime: { medianMs: 60_000, sigma: 0.5, minMs: 30_000 } },
    );
    await sim.increase(200);
    const bootedAt = new Map<string, number>();
    for (let t = 0; t <= 600; t++) {
      for (const i of await sim.update()) {
        if (i.state === 'running' && !bootedAt.has(i.id)) bootedAt.set(i.id, t * 1000);
      }
      await clock.advance(1000);
    }
    const times = [...bootedAt.values()].sort((a, b) => a - b);
    expect(times).toHaveLength(200);
    expect(times[0]).toBeGreaterThanOrEqual(30_000);
    const median = times[100]!;
    expect(median).toBeGreaterThan(50_000);
    expect(median).toBeLessThan(70_000);
  });

  it('sends a termination notice with a two-minute deadline, then the instance vanishes', async () => {
    const clock = new VirtualClock();
    const sim = createSimProvider({ clock }, { seed: 2, interruptionsPerInstanceHour: 2 });
    await sim.increase(1);
    let noticed: { at: number; deadlineMs: number } | undefined;
    let vanishedAt: number | undefined;
    for (let t = 0; t < 48 * 60 && vanishedAt === undefined; t++) {
      const [inst] = await sim.update();
      if (inst?.interruption && !noticed) {
        noticed = { at: clock.now(), deadlineMs: inst.interruption.deadlineMs };
      }
      if (!inst) vanishedAt = clock.now();
      await clock.advance(60_000);
    }
    expect(noticed).toBeDefined();
    expect(noticed!.deadlineMs - noticed!.at).toBeLessThanOrEqual(120_000);
    expect(vanishedAt).toBeGreaterThanOrEqual(noticed!.deadlineMs);
    expect(sim.counters().interruptions).toBe(1);
    const [record] = sim.billing();
    expect(record).toMatchObject({ interrupted: true, open: false, lifecycle: 'spot' });
  });

  it('precedes the termination notice with a rebalance recommendation when asked', async () => {
    const clock = new VirtualClock();
    const sim = createSimProvider(
      { clock },
      { seed: 5, interruptionsPerInstanceHour: 1, rebalanceLeadMs: 10 * 60_000 },
    );
    await sim.increase(1);
    const kinds: string[] = [];
    for (let t = 0; t < 72 * 60 && (await sim.update()).length > 0; t++) {
      const kind = (await sim.update())[0]?.interruption?.kind;
      if (kind && kinds.at(-1) !== kind) kinds.push(kind);
      await clock.advance(60_000);
    }
    expect(kinds).toEqual(['rebalance', 'termination']);
    expect(sim.counters().rebalanceNotices).toBe(1);
  });

  it('launches fewer than asked during a scripted capacity outage', async () => {
    const clock = new VirtualClock();
    const sim = createSimProvider(
      { clock },
      { seed: 1, capacityOutages: [{ fromMs: 60_000, toMs: 120_000, available: 1 }] },
    );
    expect(await sim.increase(3)).toBe(3);
    await clock.advance(90_000);
    expect(await sim.increase(3)).toBe(1);
    await clock.advance(60_000);
    expect(await sim.increase(3)).toBe(3);
    expect(sim.counters()).toMatchObject({ launches: 7, capacityErrors: 1, capacityShortfall: 2 });
  });

  it('launches fewer than asked with the configured capacity-error probability', async () => {
    const clock = new VirtualClock();
    const sim = createSimProvider(
      { clock },
      { seed: 9, capacityErrorProbability: 0.3, maxSize: 100_000 },
    );
    let short = 0;
    for (let i = 0; i < 1000; i++) if ((await sim.increase(4)) < 4) short++;
    expect(short).toBeGreaterThan(240);
    expect(short).toBeLessThan(360);
    expect(sim.counters().capacityErrors).toBe(short);
  });

  it('bills per second with a one-minute minimum at the lifecycle price of the instance type', async () => {
    const clock = new VirtualClock();
    const type = {
      name: 't.test',
      vcpu: 2,
      memoryGiB: 4,
      arch: 'arm64' as const,
      spotPricePerHourUsd: 0.36,
      onDemandPricePerHourUsd: 3.6,
    };
    const sim = createSimProvider({ clock }, { seed: 1, instanceTypes: [type], spotFraction: 0 });
    await sim.increase(2);
    const [a, b] = (await sim.update()).map((i) => i.id);
    await clock.advance(30_000);
    await sim.decrease([a!]);
    await clock.advance(90_500);
    const records = sim.billing();
    expect(records.find((r) => r.id === a)).toMatchObject({
      billedSeconds: 60,
      open: false,
      lifecycle: 'on-demand',
    });
    expect(records.find((r) => r.id === a)!.costUsd).toBeCloseTo(0.06, 10);
    const live = records.find((r) => r.id === b)!;
    expect(live).toMatchObject({ billedSeconds: 121, open: true });
    expect(live.costUsd).toBeCloseTo(0.121, 10);
    const summary = sim.costSummary();
    expect(summary.instances).toBe(2);
    expect(summary.costUsd).toBeCloseTo(0.181, 10);
    expect(summary.lines).toEqual([
      expect.objectContaining({ instanceType: 't.test', lifecycle: 'on-demand', instances: 2 }),
    ]);
  });

  it('keeps a removed instance listed as deleting for deleteDelayMs', async () => {
    const clock = new VirtualClock();
    const sim = createSimProvider({ clock }, { seed: 1, deleteDelayMs: 5_000 });
    await sim.increase(1);
    const [id] = (await sim.update()).map((i) => i.id);
    await sim.decrease([id!]);
    expect((await sim.update())[0]?.state).toBe('deleting');
    await clock.advance(5_000);
    expect(await sim.update()).toEqual([]);
    expect(sim.counters().terminations).toBe(1);
  });
});

describe('sim provider scripted interruptions', () => {
  it('interrupts the n-th launched instance at the scripted time', async () => {
    const clock = new VirtualClock();
    const sim = createSimProvider(
      { clock },
      { seed: 1, spotFraction: 0, scriptedInterruptions: [{ launch: 2, atMs: 10 * 60_000 }] },
    );
    await sim.increase(3);
    await clock.advance(10 * 60_000 - 1);
    expect((await sim.update()).some((i) => i.interruption)).toBe(false);
    await clock.advance(1);
    const noticed = (await sim.update()).filter((i) => i.interruption);
    expect(noticed.map((i) => [i.id, i.interruption?.kind])).toEqual([
      ['i-sim00000002', 'termination'],
    ]);
    await clock.advance(120_000);
    expect((await sim.update()).map((i) => i.id)).toEqual(['i-sim00000001', 'i-sim00000003']);
  });
});
