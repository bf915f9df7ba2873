import { VirtualClock } from '../../platform/clock.js';
import { MemoryLogger } from '../../platform/logger.js';
import type { Provider } from '../../providers/provider.js';
import { createSimProvider, type SimProvider } from '../../providers/sim/sim-provider.js';
import type { SimProviderOptions } from '../../providers/sim/sim-options.js';
import type { FleetInstanceStatus } from '../fleet.js';
import { createFleet, type FleetEngine } from '../fleet-engine.js';
import type { ReadyUpFn } from '../options.js';
import { testFleetOptions, type TestFleetOptions } from './test-options.js';
import { ScriptedProvider } from './scripted-provider.js';

export interface FleetHarness<P extends Provider> {
  clock: VirtualClock;
  provider: P;
  fleet: FleetEngine;
  logger: MemoryLogger;
  advance(ms: number): Promise<void>;
  /** Instances by engine status. */
  count(status?: FleetInstanceStatus): number;
  /** Log messages so far (optionally of one text). */
  logs(msg?: string): { msg: string; fields: Record<string, unknown> }[];
}

export interface HarnessOptions {
  fleet?: TestFleetOptions;
  readyUp?: ReadyUpFn;
  startMs?: number;
  start?: boolean;
}

/** Fixed 30 s boots, 5 s deletions: easy to reason about in tests. */
export const TEST_SIM: SimProviderOptions = {
  seed: 1,
  bootTime: { medianMs: 30_000, sigma: 0, minMs: 0 },
  deleteDelayMs: 5_000,
};

async function harness<P extends Provider>(
  clock: VirtualClock,
  provider: P,
  o: HarnessOptions,
): Promise<FleetHarness<P>> {
  const logger = new MemoryLogger();
  const fleet = createFleet(
    { clock, logger, provider, ...(o.readyUp ? { readyUp: o.readyUp } : {}) },
    testFleetOptions(o.fleet),
  );
  if (o.start !== false) await fleet.start();
  return {
    clock,
    provider,
    fleet,
    logger,
    advance: (ms) => clock.advance(ms),
    count: (status) =>
      fleet.status().instances.filter((i) => !status || i.status === status).length,
    logs: (msg) => logger.records.filter((r) => !msg || r.msg === msg),
  };
}

export function startSimFleet(
  o: HarnessOptions & { sim?: SimProviderOptions } = {},
): Promise<FleetHarness<SimProvider>> {
  const clock = new VirtualClock(o.startMs);
  return harness(clock, createSimProvider({ clock }, { ...TEST_SIM, ...o.sim }), o);
}

export function startScriptedFleet(
  o: HarnessOptions & { setup?: (p: ScriptedProvider) => void } = {},
): Promise<FleetHarness<ScriptedProvider>> {
  const clock = new VirtualClock(o.startMs);
  const provider = new ScriptedProvider(() => clock.now());
  o.setup?.(provider);
  return harness(clock, provider, o);
}
