import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { recordedJob as job } from '../../runner/testing/recorded-job.js';
import { fleetInstance, managerStatus } from '../testing/manager-status.js';
import { registerHistoryMetrics } from './history-metrics.js';
import type { History, HistoryEvent } from './history-part.js';
import { createInstanceTracker } from './instance-tracker.js';

const T0 = Date.UTC(2026, 11, 1, 8);

describe('instance tracker with the fleet running time', () => {
  it("splits launch to ready at the fleet's running time, not at the poll that saw it", () => {
    const tracker = createInstanceTracker();
    const base = { launchedAtMs: T0, instanceType: 't4g.medium' };
    const creating = { ...base, status: 'creating' as const, providerState: 'creating' as const };
    tracker.poll('spot', [fleetInstance(creating)], T0 + 5_000);
    // Running at 41 s as the fleet saw it; the poll at 50 s finds it ready since 48 s.
    const ready = fleetInstance({ ...base, runningAtMs: T0 + 41_000, readyAtMs: T0 + 48_000 });
    tracker.poll('spot', [ready], T0 + 50_000);
    expect(tracker.readied).toEqual([
      { runner: 'spot', readyMs: 48_000, bootMs: 41_000, readyUpMs: 7_000 },
    ]);
    const [rec] = tracker.poll('spot', [], T0 + 100_000);
    expect(rec).toMatchObject({ bootS: 48, readyUpS: 7 });
  });
});

/** A History that only hands its subscriber the events a test emits. */
function fakeHistory(): { history: History; emit: (e: HistoryEvent) => void } {
  let fn: (e: HistoryEvent) => void = () => undefined;
  const history = {
    recorder: { jobFinished: () => undefined },
    subscribe: (f: (e: HistoryEvent) => void) => {
      fn = f;
      return () => undefined;
    },
    part: () => {
      throw new Error('not used');
    },
  } as unknown as History;
  return { history, emit: (e) => fn(e) };
}

describe('wait metrics', () => {
  it('observes image pulls per job and instance boot and ready separately', async () => {
    const registry = new Registry();
    const { history, emit } = fakeHistory();
    registerHistoryMetrics(registry, { history, status: () => managerStatus([]) });
    emit({ kind: 'ready', runner: 'spot', readyMs: 58_000, bootMs: 40_000, readyUpMs: 18_000 });
    emit(job({ imagePullMs: 12_500 }));
    emit(job({ jobId: 2, imagePullMs: 0 }));
    emit(job({ jobId: 3 }));
    const text = await registry.metrics();
    expect(text).toContain('spotrunner_job_image_pull_seconds_sum{runner="spot"} 12.5');
    expect(text).toContain('spotrunner_job_image_pull_seconds_count{runner="spot"} 2');
    expect(text).toContain('spotrunner_job_image_pull_seconds_bucket{le="0.5",runner="spot"} 1');
    expect(text).toContain('spotrunner_instance_boot_seconds_sum{runner="spot"} 40');
    expect(text).toContain('spotrunner_instance_ready_seconds_sum{runner="spot"} 58');
    expect(text).toContain('spotrunner_instance_ready_up_seconds_sum{runner="spot"} 18');
  });
});
