import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../platform/clock.js';
import type { InstanceRecord } from './state/state-file.js';
import { createInstanceRecorder } from './instance-recorder.js';
import { fleetInstance, managerStatus } from './testing/manager-status.js';

describe('instance recorder', () => {
  it('records instances every interval once started, and once more when stopped', async () => {
    const clock = new VirtualClock(0);
    const writes: { runner: string; ids: string[] }[] = [];
    let instances = [fleetInstance({ id: 'i-1', useCount: 2 })];
    const recorder = createInstanceRecorder(
      {
        clock,
        store: {
          recordInstances: (runner: string, list: readonly InstanceRecord[]) =>
            writes.push({ runner, ids: list.map((i) => i.id) }),
        },
        manager: { status: () => managerStatus(instances) },
      },
      1_000,
    );
    await clock.advance(5_000);
    expect(writes).toEqual([]);
    await recorder.start();
    await clock.advance(2_500);
    expect(writes).toEqual([
      { runner: 'spot', ids: ['i-1'] },
      { runner: 'spot', ids: ['i-1'] },
    ]);
    instances = [fleetInstance({ id: 'i-2' }), fleetInstance({ id: 'i-3', status: 'removing' })];
    await recorder.stop({ graceMs: 0 });
    expect(writes.at(-1)).toEqual({ runner: 'spot', ids: ['i-2'] });
    expect(recorder.status()).toEqual({ everyMs: 1_000, lastRecordAtMs: 7_500 });
    expect(clock.pendingTimers).toBe(0);
  });
});
