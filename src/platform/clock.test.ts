import { afterEach, describe, expect, it, vi } from 'vitest';
import { SystemClock, VirtualClock } from './clock.js';

describe('VirtualClock', () => {
  it('fires sleeps in time order and only when advanced', async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    void clock.sleep(200).then(() => fired.push(`b@${clock.now()}`));
    void clock.sleep(100).then(() => fired.push(`a@${clock.now()}`));
    await clock.advance(50);
    expect(fired).toEqual([]);
    await clock.advance(200);
    expect(fired).toEqual(['a@100', 'b@200']);
    expect(clock.now()).toBe(250);
  });

  it('lets async chains started by a timer schedule and run later timers', async () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    const loop = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await clock.sleep(10);
        seen.push(clock.now());
      }
    };
    const done = loop();
    await clock.runAll();
    await done;
    expect(seen).toEqual([10, 20, 30]);
  });

  it('rejects a sleep when its signal aborts and drops the timer', async () => {
    const clock = new VirtualClock(0);
    const ac = new AbortController();
    const p = clock.sleep(1000, ac.signal);
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(clock.pendingTimers).toBe(0);
  });

  it('cancels a scheduled callback', async () => {
    const clock = new VirtualClock(0);
    let called = false;
    const cancel = clock.schedule(10, () => {
      called = true;
    });
    cancel();
    await clock.advance(20);
    expect(called).toBe(false);
  });
});

describe('SystemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits the whole delay when it is longer than setTimeout allows (~24.8 days)', () => {
    vi.useFakeTimers();
    const day = 86_400_000;
    let fired = 0;
    const cancelOther = new SystemClock().schedule(40 * day, () => (fired += 10));
    new SystemClock().schedule(30 * day, () => fired++);
    vi.advanceTimersByTime(25 * day);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(5 * day);
    expect(fired).toBe(1);
    cancelOther();
    vi.advanceTimersByTime(20 * day);
    expect(fired).toBe(1);
  });
});
