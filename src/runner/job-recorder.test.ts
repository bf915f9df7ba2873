import { describe, expect, it } from 'vitest';
import type { FleetInstanceView, FleetStatus } from '../fleet/fleet.js';
import { jobPayloadSchema } from '../gitlab/job-payload.js';
import { VirtualClock } from '../platform/clock.js';
import { splitColdStart, startJobTally, type RecordedJob } from './job-recorder.js';

const T0 = Date.UTC(2026, 11, 1, 8);

const job = jobPayloadSchema.parse({
  id: 31,
  token: 'glcbt-job-token',
  job_info: { name: 'build', project_full_path: 'g/app', time_in_queue_seconds: 4 },
  git_info: { repo_url: 'http://gitlab.test/g/app.git' },
});

function view(over: Partial<FleetInstanceView>): FleetInstanceView {
  return {
    id: 'i-1',
    status: 'ready',
    providerState: 'running',
    useCount: 1,
    slotsInUse: 1,
    capacity: 1,
    jobIds: [31],
    ...over,
  };
}

function tally(instances: FleetInstanceView[]): {
  clock: VirtualClock;
  recorded: RecordedJob[];
  t: ReturnType<typeof startJobTally>;
} {
  const clock = new VirtualClock(T0);
  const recorded: RecordedJob[] = [];
  const status = (): FleetStatus => ({
    providerId: 'test',
    instances,
    reserved: 0,
    acquired: 0,
    pending: 0,
    idleTarget: 0,
    policyIndex: 0,
  });
  const t = startJobTally(
    { clock, fleet: { status }, recorder: { jobFinished: (j) => recorded.push(j) } },
    'spot',
    job,
  );
  return { clock, recorded, t };
}

describe('splitting a cold start', () => {
  // Launched at T0, running 50 s after launch, ready 20 s later.
  const slow = { launchedAtMs: T0, runningAtMs: T0 + 50_000, readyAtMs: T0 + 70_000 };

  it('splits launch to ready at running: boot is the cloud, ready-up is spotrunner', () => {
    // The job came 10 s after launch.
    const split = splitColdStart(T0 + 10_000, slow);
    expect(split).toEqual({ coldStartMs: 60_000, bootMs: 40_000, readyUpMs: 20_000 });
  });

  it('counts only the ready-up when the job came while the instance was readying', () => {
    const split = splitColdStart(T0 + 55_000, slow);
    expect(split).toEqual({ coldStartMs: 15_000, bootMs: 0, readyUpMs: 15_000 });
  });

  it('has no cold start on an instance that was ready before the job came', () => {
    const ready = { launchedAtMs: T0, runningAtMs: T0 + 5_000, readyAtMs: T0 + 9_000 };
    expect(splitColdStart(T0 + 9_000, ready)).toEqual({});
  });

  it('keeps coldStartMs alone when the fleet did not say when the instance was running', () => {
    expect(splitColdStart(T0, { launchedAtMs: T0 - 5_000, readyAtMs: T0 + 30_000 })).toEqual({
      coldStartMs: 30_000,
    });
  });
});

describe("a job's record", () => {
  it('records the wait split into pickup, boot and ready-up, and the image pulls of every run', async () => {
    const instances = [
      view({ launchedAtMs: T0 + 2_000, runningAtMs: T0 + 47_000, readyAtMs: T0 + 58_000 }),
    ];
    const { clock, recorded, t } = tally(instances);
    await clock.advance(60_000);
    t.started('i-1');
    t.imagesPulled(8_250.4);
    await clock.advance(30_000);
    t.lost();
    t.started('i-1');
    t.imagesPulled(1_000);
    await clock.advance(30_000);
    t.done('success');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      pickupMs: 4_000,
      instanceWaitMs: 60_000,
      coldStartMs: 56_000,
      bootMs: 45_000,
      readyUpMs: 11_000,
      imagePullMs: 9_250,
    });
  });

  it('leaves imagePullMs out when the executor reported no pulls (shell, instance executors)', async () => {
    const { clock, recorded, t } = tally([view({ launchedAtMs: T0 - 60_000, readyAtMs: T0 - 1 })]);
    t.started('i-1');
    await clock.advance(5_000);
    t.done('success');
    expect(recorded[0]).not.toHaveProperty('imagePullMs');
    expect(recorded[0]).not.toHaveProperty('coldStartMs');
    expect(recorded[0]).not.toHaveProperty('bootMs');
  });

  it('records a reported 0 as no time pulling (images were on the instance)', () => {
    const { recorded, t } = tally([view({ readyAtMs: T0 - 1 })]);
    t.started('i-1');
    t.imagesPulled(0);
    t.done('success');
    expect(recorded[0]?.imagePullMs).toBe(0);
  });
});
