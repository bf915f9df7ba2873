import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import type { Executor } from '../executors/executor.js';
import type { Fleet } from '../fleet/fleet.js';
import type { RequestJobResult, RunnerApi } from '../gitlab/runner-api.js';
import { VirtualClock } from '../platform/clock.js';
import { silentLogger } from '../platform/logger.js';
import { createConcurrencyGate } from './ports.js';
import { createRunnerLoop, type RunnerLoop } from './runner-loop.js';

type Answer = RequestJobResult | Error;

/** A loop whose job requests get `answers` in turn (check_interval 3 s), then 204s. */
function loopWith(clock: VirtualClock, answers: Answer[]): RunnerLoop {
  const { runners } = parseConfig(
    `concurrent = 1\n[[runners]]\nname = "a"\nurl = "http://127.0.0.1:1"\ntoken = "glrt-t1_${'a'.repeat(20)}"\nexecutor = "shell"\n`,
    '/tmp/config.toml',
    {},
  ).config;
  const runner = runners[0]!;
  const api = {
    requestJob: () => {
      const next = answers.shift() ?? { kind: 'none', healthy: true };
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
  } as Partial<RunnerApi> as RunnerApi;
  const fleet = {
    reserve: () => ({ ok: true }) as const,
    unreserve: () => undefined,
  } as Partial<Fleet> as Fleet;
  return createRunnerLoop(
    {
      clock,
      logger: silentLogger,
      api,
      fleet,
      gate: createConcurrencyGate(1),
      executor: {} as Executor,
      connections: { get: () => Promise.reject(new Error('unused')), invalidate: () => undefined },
      traces: () => {
        throw new Error('unused');
      },
    },
    { runner, gitlabUrl: runner.url, checkIntervalMs: 3000, unhealthyRequestsLimit: 10 },
  );
}

describe('runner loop: how long GitLab has not answered', () => {
  it('records the first unanswered request and clears it on the next answer', async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const loop = loopWith(clock, [
      { kind: 'none', healthy: true },
      { kind: 'none', healthy: false },
      new Error('connect ECONNREFUSED'),
      { kind: 'none', healthy: false },
      { kind: 'none', healthy: true },
    ]);
    await loop.start();
    await clock.advance(1000);
    expect(loop.status().gitlabUnreachableSinceMs).toBeUndefined();
    await clock.advance(3000); // second request: no answer
    expect(loop.status().gitlabUnreachableSinceMs).toBe(start + 3000);
    await clock.advance(6000); // a thrown error, another unhealthy answer: still since then
    expect(loop.status().gitlabUnreachableSinceMs).toBe(start + 3000);
    expect(loop.status().lastError).toContain('ECONNREFUSED');
    await clock.advance(3000); // answered
    expect(loop.status().gitlabUnreachableSinceMs).toBeUndefined();
    await loop.stop({ graceMs: 0 });
  });
});
