/**
 * A compiled runner's `fleet` is the engine's options as-is (all defaults applied by the config):
 * the engine's option names mirror CompiledAutoscaler and keep their meaning.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load-config.js';
import { createFleet, type FleetOptions } from '../src/fleet/index.js';
import { VirtualClock } from '../src/platform/clock.js';
import { MemoryLogger } from '../src/platform/logger.js';
import { createSimProvider } from '../src/providers/sim/sim-provider.js';

const TOML = `
concurrent = 8

[[runners]]
  name = "spot"
  url = "https://gitlab.example.com"
  token = "glrt-test"
  executor = "docker-autoscaler"
  [runners.autoscaler]
    plugin = "sim"
    capacity_per_instance = 2
    max_instances = 3
    max_use_count = 5
    [[runners.autoscaler.policy]]
      idle_count = 4
      idle_time = "20m"
    [[runners.autoscaler.policy]]
      periods = ["* * * * sat,sun"]
      timezone = "UTC"
      idle_count = 0
      idle_time = "5m"
`;

describe('fleet options from config.toml', () => {
  it('runs on a compiled autoscaler section passed directly', async () => {
    const { config } = parseConfig(TOML, 'config.toml', {});
    const options: FleetOptions = { ...config.runners[0]!.fleet, preexistingInstances: 'remove' };
    // Monday 2026-01-05 00:00 UTC: the weekday policy (idle_count 4 = two instances of 2 slots).
    const clock = new VirtualClock(Date.UTC(2026, 0, 5));
    const sim = createSimProvider(
      { clock },
      { seed: 1, bootTime: { medianMs: 30_000, sigma: 0, minMs: 0 } },
    );
    const fleet = createFleet({ clock, logger: new MemoryLogger(), provider: sim }, options);
    await fleet.start();
    await clock.advance(2 * 60_000);
    const status = fleet.status();
    expect(status).toMatchObject({ idleTarget: 4, policyIndex: 0 });
    expect(status.instances.filter((i) => i.status === 'ready')).toHaveLength(2);
    expect(status.instances[0]?.capacity).toBe(2);
    // Preemptive by default (idle_count > 0): only free ready slots can be reserved.
    for (const k of ['a', 'b', 'c', 'd']) expect(fleet.reserve(k).ok).toBe(true);
    expect(fleet.reserve('e').ok).toBe(false);
    await fleet.stop({ graceMs: 0 });
  });
});
