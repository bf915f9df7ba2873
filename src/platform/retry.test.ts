import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.js';
import { backoffDelayMs, retry } from './retry.js';

describe('retry', () => {
  it('retries retryable errors with growing delays, then succeeds', async () => {
    const clock = new VirtualClock(0);
    const delays: number[] = [];
    let calls = 0;
    const p = retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error('flaky');
        return 'ok';
      },
      {
        clock,
        attempts: 5,
        baseDelayMs: 100,
        maxDelayMs: 10_000,
        retryable: () => true,
        random: () => 0.5,
        onRetry: (_e, _a, d) => delays.push(d),
      },
    );
    await clock.runAll();
    await expect(p).resolves.toBe('ok');
    expect(calls).toBe(3);
    expect(delays).toEqual([75, 150]);
    expect(clock.now()).toBe(225);
  });

  it('stops at the first non-retryable error', async () => {
    const clock = new VirtualClock(0);
    let calls = 0;
    const p = retry(
      async () => {
        calls++;
        throw new Error('fatal');
      },
      { clock, attempts: 5, baseDelayMs: 1, maxDelayMs: 1, retryable: () => false },
    );
    await expect(p).rejects.toThrow('fatal');
    expect(calls).toBe(1);
  });

  it('honours a server-requested delay and the attempt limit', async () => {
    const clock = new VirtualClock(0);
    let calls = 0;
    const p = retry(
      async () => {
        calls++;
        throw new Error('busy');
      },
      {
        clock,
        attempts: 3,
        baseDelayMs: 1,
        maxDelayMs: 1,
        retryable: () => true,
        delayFor: () => 60_000,
      },
    );
    const settled = p.catch((e: unknown) => e);
    await clock.runAll();
    expect(await settled).toBeInstanceOf(Error);
    expect(calls).toBe(3);
    expect(clock.now()).toBe(120_000);
  });

  it('caps the backoff ceiling', () => {
    expect(backoffDelayMs(20, 100, 60_000, () => 0.999)).toBeLessThanOrEqual(60_000);
    expect(backoffDelayMs(1, 100, 60_000, () => 0)).toBe(50);
  });
});
