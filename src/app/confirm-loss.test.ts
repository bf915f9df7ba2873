import { describe, expect, it } from 'vitest';
import type { Acquisition } from '../fleet/fleet.js';
import { VirtualClock } from '../platform/clock.js';
import { confirmLossVia } from './confirm-loss.js';

function acquisition(): { acq: Acquisition; abort: AbortController } {
  const abort = new AbortController();
  const acq = {
    key: 'k',
    instanceId: 'i-1',
    slot: 0,
    signal: abort.signal,
    connectInfo: () => Promise.reject(new Error('unused')),
  } as Acquisition;
  return { acq, abort };
}

describe('confirmLossVia', () => {
  it('refreshes the fleet until it aborts the acquisition, then answers true', async () => {
    const clock = new VirtualClock(0);
    const { acq, abort } = acquisition();
    let refreshes = 0;
    const fleet = {
      refresh: () => {
        refreshes++;
        if (refreshes === 2) abort.abort(new Error('no longer listed'));
        return Promise.resolve();
      },
    };
    const answer = confirmLossVia({ clock, fleet })(acq);
    await clock.runAll();
    expect(await answer).toBe(true);
    expect(refreshes).toBe(2);
    expect(clock.now()).toBe(1_000);
  });

  it('answers false after its last look when the instance is still there', async () => {
    const clock = new VirtualClock(0);
    const { acq } = acquisition();
    let refreshes = 0;
    const fleet = { refresh: () => Promise.resolve(void refreshes++) };
    const answer = confirmLossVia({ clock, fleet })(acq);
    await clock.runAll();
    expect(await answer).toBe(false);
    expect(refreshes).toBe(4);
    expect(clock.now()).toBe(6_000);
  });
});
