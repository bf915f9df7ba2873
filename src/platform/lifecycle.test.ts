import { describe, expect, it } from 'vitest';
import { createLifecycle } from './lifecycle.js';

function counted(fail: { start?: boolean; stop?: boolean } = {}) {
  const calls: string[] = [];
  const part = createLifecycle({
    start: () => {
      calls.push('start');
      if (fail.start) throw new Error('cannot start');
    },
    stop: async ({ graceMs }) => {
      calls.push(`stop ${graceMs}`);
      await Promise.resolve();
      if (fail.stop) throw new Error('cannot stop');
    },
    status: () => ({ calls: calls.length }),
  });
  return { part, calls };
}

describe('createLifecycle', () => {
  it('runs start and stop once each, and a second stop waits for the first', async () => {
    const { part, calls } = counted();
    expect(part.state).toBe('idle');
    await Promise.all([part.start(), part.start()]);
    expect(part.state).toBe('running');
    const first = part.stop({ graceMs: 5 });
    const second = part.stop({ graceMs: 0 });
    expect(part.state).toBe('draining');
    await second;
    expect(part.state).toBe('stopped');
    await first;
    expect(calls).toEqual(['start', 'stop 5']);
    expect(part.status()).toEqual({ calls: 2 });
  });

  it('marks a part never started stopped without running its stop', async () => {
    const { part, calls } = counted();
    await part.stop({ graceMs: 0 });
    await part.start();
    expect(part.state).toBe('stopped');
    expect(calls).toEqual([]);
  });

  it('leaves a part failed when its start throws, and does not stop it', async () => {
    const { part, calls } = counted({ start: true });
    await expect(part.start()).rejects.toThrow('cannot start');
    expect(part.state).toBe('failed');
    await part.stop({ graceMs: 0 });
    expect(part.state).toBe('failed');
    expect(calls).toEqual(['start']);
  });

  it('reports failed when its stop throws', async () => {
    const { part } = counted({ stop: true });
    await part.start();
    await expect(part.stop({ graceMs: 0 })).rejects.toThrow('cannot stop');
    expect(part.state).toBe('failed');
  });

  it('starts as running for a part that is open when made, and stops it', async () => {
    const calls: string[] = [];
    const part = createLifecycle(
      {
        start: () => void calls.push('start'),
        stop: () => void calls.push('stop'),
        status: () => 0,
      },
      { running: true },
    );
    expect(part.state).toBe('running');
    await part.start();
    await part.stop({ graceMs: 0 });
    expect(calls).toEqual(['stop']);
  });
});
