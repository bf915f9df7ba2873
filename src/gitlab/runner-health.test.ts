import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../platform/clock.js';
import { MemoryLogger } from '../platform/logger.js';
import { createRunnerHealth } from './runner-health.js';

describe('createRunnerHealth', () => {
  const setup = (): {
    clock: VirtualClock;
    health: ReturnType<typeof createRunnerHealth>;
    logger: MemoryLogger;
  } => {
    const clock = new VirtualClock();
    const logger = new MemoryLogger();
    return {
      clock,
      logger,
      health: createRunnerHealth({ clock, logger }, { unhealthyIntervalMs: 60 * 60_000 }),
    };
  };

  it('pauses requests after three consecutive unhealthy results', () => {
    const { health, logger } = setup();
    health.record(false);
    health.record(false);
    expect(health.canRequest()).toBe(true);
    health.record(false);
    expect(health.canRequest()).toBe(false);
    expect(logger.messages('warn')).toContain('runner is unhealthy, pausing job requests');
  });

  it('resumes after unhealthy_interval', async () => {
    const { clock, health } = setup();
    for (let i = 0; i < 3; i++) health.record(false);
    await clock.advance(59 * 60_000);
    expect(health.canRequest()).toBe(false);
    await clock.advance(60_000);
    expect(health.canRequest()).toBe(true);
    expect(health.consecutiveFailures).toBe(0);
  });

  it('resets the count on a healthy result', () => {
    const { health } = setup();
    health.record(false);
    health.record(false);
    health.record(true);
    health.record(false);
    expect(health.canRequest()).toBe(true);
    expect(health.pausedUntilMs).toBeUndefined();
  });
});
