import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import type { CompiledRunner } from '../config/types.js';
import type { Executor } from '../executors/executor.js';
import type { Fleet } from '../fleet/fleet.js';
import type { RunnerApi } from '../gitlab/runner-api.js';
import { VirtualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { createConcurrencyGate, type ConcurrencyGate } from './ports.js';
import { createRunnerLoop, type RunnerLoop } from './runner-loop.js';

function runners(): readonly CompiledRunner[] {
  const toml = ['a', 'b']
    .map(
      (name) =>
        `[[runners]]\nname = "${name}"\nurl = "http://127.0.0.1:1"\ntoken = "glrt-t1_${name.repeat(20)}"\nexecutor = "shell"\n`,
    )
    .join('\n');
  return parseConfig(`concurrent = 1\ncheck_interval = 3\n${toml}`, '/tmp/config.toml', {}).config
    .runners;
}

interface Probe {
  requests: number;
  reserved: Set<string>;
}

/** A runner loop whose GitLab never has a job (each request takes 1 s, then 204). */
function idleLoop(clock: VirtualClock, gate: ConcurrencyGate, runner: CompiledRunner) {
  const probe: Probe = { requests: 0, reserved: new Set() };
  const api = {
    requestJob: async () => {
      probe.requests++;
      await clock.sleep(1000);
      return { kind: 'none', healthy: true } as const;
    },
  } as Partial<RunnerApi> as RunnerApi;
  const fleet = {
    reserve: (key: string) => {
      probe.reserved.add(key);
      return { ok: true } as const;
    },
    unreserve: (key: string) => {
      probe.reserved.delete(key);
    },
  } as Partial<Fleet> as Fleet;
  const loop: RunnerLoop = createRunnerLoop(
    {
      clock,
      logger: silentLogger,
      api,
      fleet,
      gate,
      executor: {} as Executor,
      connections: { get: () => Promise.reject(new Error('unused')), invalidate: () => undefined },
      traces: () => {
        throw new Error('unused');
      },
    },
    { runner, gitlabUrl: runner.url, checkIntervalMs: 3000 },
  );
  return { loop, probe };
}

describe('runner loop polling', () => {
  it('gives back the concurrent gate and the reservation while it waits between requests', async () => {
    const clock = new VirtualClock();
    const gate = createConcurrencyGate(1);
    const { loop, probe } = idleLoop(clock, gate, runners()[0]!);
    await loop.start();
    await clock.advance(500); // request in flight
    expect(gate.inUse).toBe(1);
    expect(probe.reserved.size).toBe(1);
    await clock.advance(1000); // 204 received, waiting check_interval
    expect(gate.inUse).toBe(0);
    expect(probe.reserved.size).toBe(0);
    await loop.stop({ graceMs: 0 });
  });

  it('lets two runners sharing concurrent = 1 both ask for jobs', async () => {
    const clock = new VirtualClock();
    const gate = createConcurrencyGate(1);
    const [ra, rb] = runners();
    const a = idleLoop(clock, gate, ra!);
    const b = idleLoop(clock, gate, rb!);
    await a.loop.start();
    await b.loop.start();
    await clock.advance(60_000);
    // Each request takes 1 s and each poller waits 3 s after it (or after finding the gate
    // taken): both get turns, about one in every 4–7 s.
    expect(a.probe.requests).toBeGreaterThanOrEqual(6);
    expect(b.probe.requests).toBeGreaterThanOrEqual(6);
    await a.loop.stop({ graceMs: 0 });
    await b.loop.stop({ graceMs: 0 });
  });
});
