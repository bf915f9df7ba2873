import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../platform/clock.js';
import { MemoryLogger } from '../platform/logger.js';
import { SpotrunnerError } from '../platform/errors.js';
import {
  InstanceInterruptedError,
  type Acquisition,
  type AcquireOptions,
  type Fleet,
} from '../fleet/fleet.js';
import type { ExecutionContext, Executor, JobOutcome } from '../executors/executor.js';
import { jobPayloadSchema } from '../gitlab/job-payload.js';
import type { RunnerApi, UpdateJobRequest } from '../gitlab/runner-api.js';
import type { CompiledRunner } from '../config/types.js';
import { handleJob } from './job-handler.js';
import type { JobJournal } from './journal.js';
import type { RecordedJob } from './job-recorder.js';
import type { FinalDelivery, JobTrace } from './ports.js';

const job = jobPayloadSchema.parse({
  id: 7,
  token: 'glcbt-job-token',
  job_info: { name: 'build' },
  git_info: { repo_url: 'http://gitlab.test/g/p.git' },
});

function runner(mode: 'rerun' | 'fail', maxReruns = 2, rerunOnFallback = false): CompiledRunner {
  return {
    name: 'spot',
    spotrunner: {
      interruptionMode: mode,
      maxReruns,
      rerunOnFallback,
      orphanGraceMs: 600_000,
      instanceStartTimeoutMs: 1_200_000,
    },
  } as unknown as CompiledRunner;
}

class FakeFleet implements Fleet {
  acquired: {
    key: string;
    instanceId: string;
    avoid: readonly string[];
    abort: AbortController;
  }[] = [];
  released: { key: string; healthy?: boolean }[] = [];
  #n = 0;
  reserve = () => ({ ok: true as const });
  unreserve = () => undefined;
  acquire(key: string, options: AcquireOptions = {}): Promise<Acquisition> {
    let id = `i-${++this.#n}`;
    while (options.avoid?.includes(id)) id = `i-${++this.#n}`;
    const abort = new AbortController();
    this.acquired.push({ key, instanceId: id, avoid: options.avoid ?? [], abort });
    return Promise.resolve({
      key,
      instanceId: id,
      slot: 0,
      signal: abort.signal,
      connectInfo: () =>
        Promise.resolve({
          id,
          os: 'linux',
          arch: 'arm64',
          protocol: 'ssh',
          port: 22,
          username: 'ec2-user',
        }),
    });
  }
  release = (key: string, o: { healthy?: boolean } = {}) => {
    this.released.push({ key, ...(o.healthy === undefined ? {} : { healthy: o.healthy }) });
  };
  drain = () => false;
  status = () => ({
    providerId: 'fake',
    instances: [],
    reserved: 0,
    acquired: 0,
    pending: 0,
    idleTarget: 0,
    policyIndex: 0,
  });
}

class FakeTrace implements JobTrace {
  lines: string[] = [];
  finished?: JobOutcome;
  discarded = false;
  readonly #cancel = new AbortController();
  readonly #abort = new AbortController();
  readonly cancelRequested = this.#cancel.signal;
  readonly aborted = this.#abort.signal;
  write = (c: string | Buffer) => void this.lines.push(String(c));
  sectionStart = () => undefined;
  sectionEnd = () => undefined;
  info = (l: string) => void this.lines.push(`INFO ${l}`);
  warn = (l: string) => void this.lines.push(`WARN ${l}`);
  error = (l: string) => void this.lines.push(`ERROR ${l}`);
  start = () => undefined;
  /** How delivering the final state ends. */
  delivery: FinalDelivery = { kind: 'delivered' };
  finish = async (
    o: JobOutcome,
    options: { onFinalState?: (u: UpdateJobRequest) => Promise<void> } = {},
  ) => {
    this.finished = o;
    await options.onFinalState?.({ state: o.result, checksum: 'crc32:0000002a', bytesize: 9 });
    return this.delivery;
  };
  discard = () => {
    this.discarded = true;
    return Promise.resolve();
  };
  abortFromGitLab = () => this.#abort.abort(new Error('canceled'));
}

function fakeApi(updates: UpdateJobRequest[]): RunnerApi {
  return {
    verify: () => Promise.resolve({ valid: true }),
    requestJob: () => Promise.resolve({ kind: 'none', healthy: true }),
    updateJob: (_j, u) => {
      updates.push(u);
      return Promise.resolve({ kind: 'succeeded', cancelRequested: false });
    },
    patchTrace: () => Promise.resolve({ kind: 'ok', sentOffset: 0, cancelRequested: false }),
  };
}

/** An executor whose first run is cut off by the instance going away. */
function interruptedOnce(fleet: FakeFleet, deadlineMs: number): Executor & { instances: string[] } {
  const instances: string[] = [];
  return {
    name: 'fake',
    instances,
    async run(ctx: ExecutionContext): Promise<JobOutcome> {
      instances.push(ctx.instance.id);
      if (instances.length === 1) {
        const err = new InstanceInterruptedError(ctx.instance.id, deadlineMs);
        fleet.acquired[0]!.abort.abort(err);
        return { result: 'failed', failureReason: 'runner_system_failure', message: 'aborted' };
      }
      return { result: 'success' };
    },
  };
}

function setup(mode: 'rerun' | 'fail', maxReruns = 2) {
  const clock = new VirtualClock(Date.UTC(2026, 10, 22));
  const fleet = new FakeFleet();
  const trace = new FakeTrace();
  const updates: UpdateJobRequest[] = [];
  const executor = interruptedOnce(fleet, clock.now() + 120_000);
  const deps = {
    clock,
    logger: new MemoryLogger(),
    api: fakeApi(updates),
    fleet,
    executor,
    connections: { get: () => Promise.resolve({} as never), invalidate: () => undefined },
    traces: () => trace,
  };
  const options = {
    runner: runner(mode, maxReruns),
    gitlabUrl: 'http://gitlab.test',
    forceSignal: new AbortController().signal,
    concurrency: { id: 0, projectId: 0 },
  };
  return { clock, fleet, trace, updates, executor, deps, options };
}

describe('handleJob', () => {
  it('reruns a job whose instance is taken back on another instance, within the same GitLab job', async () => {
    const s = setup('rerun');
    const done = handleJob(s.deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    const outcome = await done;
    expect(outcome.result).toBe('success');
    expect(s.executor.instances).toEqual(['i-1', 'i-2']);
    expect(s.fleet.acquired[1]!.avoid).toEqual(['i-1']);
    expect(s.fleet.released).toContainEqual({ key: 'spot/1', healthy: false });
    expect(
      s.trace.lines.some(
        (l) =>
          l.startsWith('WARN Instance i-1 is being taken back') &&
          l.includes('rerun 1 of at most 2'),
      ),
    ).toBe(true);
    expect(s.trace.finished).toEqual({ result: 'success' });
    expect(s.updates.filter((u) => u.state === 'running')).toHaveLength(1);
  });

  it('records the job with each run, the interruption and the rerun, and no token', async () => {
    const s = setup('rerun');
    const recorded: RecordedJob[] = [];
    const deps = { ...s.deps, recorder: { jobFinished: (j: RecordedJob) => recorded.push(j) } };
    const done = handleJob(deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    await done;
    expect(recorded).toHaveLength(1);
    const rec = recorded[0]!;
    expect(rec).toMatchObject({
      jobId: 7,
      runner: 'spot',
      name: 'build',
      instanceId: 'i-2',
      reruns: 1,
      interruptions: 1,
      result: 'success',
    });
    expect(rec.runs.map((r) => r.instanceId)).toEqual(['i-1', 'i-2']);
    expect(rec.runs.every((r) => r.endedAtMs >= r.startedAtMs)).toBe(true);
    expect(JSON.stringify(rec)).not.toContain('glcbt-job-token');
  });

  it("adds the image pull time the executor reports through its context to the job's record", async () => {
    const s = setup('rerun');
    s.deps.executor = {
      name: 'fake',
      run(ctx: ExecutionContext): Promise<JobOutcome> {
        ctx.timings?.imagesPulled(2_500);
        return Promise.resolve({ result: 'success' });
      },
    } as typeof s.executor;
    const recorded: RecordedJob[] = [];
    const deps = { ...s.deps, recorder: { jobFinished: (j: RecordedJob) => recorded.push(j) } };
    const done = handleJob(deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    await done;
    expect(recorded[0]?.imagePullMs).toBe(2_500);
  });

  it('reruns a job whose connection dropped when the fleet then confirms the instance is gone', async () => {
    const s = setup('rerun');
    const runs: string[] = [];
    const confirmed: string[] = [];
    s.deps.executor = {
      name: 'fake',
      run(ctx: ExecutionContext): Promise<JobOutcome> {
        runs.push(ctx.instance.id);
        return Promise.resolve(
          runs.length === 1
            ? { result: 'failed', failureReason: 'runner_system_failure', message: 'closed' }
            : { result: 'success' },
        );
      },
    } as typeof s.executor;
    const deps = {
      ...s.deps,
      confirmLoss: (acq: Acquisition) => {
        confirmed.push(acq.instanceId);
        s.fleet.acquired
          .find((a) => a.instanceId === acq.instanceId)!
          .abort.abort(new SpotrunnerError('instance_lost', 'no longer listed'));
        return Promise.resolve(true);
      },
    };
    const done = handleJob(deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    expect((await done).result).toBe('success');
    expect(confirmed).toEqual(['i-1']);
    expect(runs).toEqual(['i-1', 'i-2']);
    expect(s.trace.lines.some((l) => l.startsWith('WARN Instance i-1 was lost'))).toBe(true);
  });

  it('fails a system failure as such when the instance is still there', async () => {
    const s = setup('rerun');
    s.deps.executor = {
      name: 'fake',
      run: () =>
        Promise.resolve({ result: 'failed', failureReason: 'runner_system_failure', message: 'x' }),
    } as unknown as typeof s.executor;
    const done = handleJob(
      { ...s.deps, confirmLoss: () => Promise.resolve(false) },
      s.options,
      job,
      'spot/1',
    );
    await s.clock.runAll();
    expect((await done).failureReason).toBe('runner_system_failure');
    expect(s.fleet.acquired).toHaveLength(1);
  });

  it('reruns on the fallback group with rerun_on_fallback', async () => {
    const s = setup('rerun');
    s.options.runner = runner('rerun', 2, true);
    const accepted: string[] = [];
    const seen: AcquireOptions[] = [];
    const acquire = s.fleet.acquire.bind(s.fleet);
    s.fleet.acquire = (key, o = {}) => {
      seen.push(o);
      return acquire(key, o);
    };
    const deps = {
      ...s.deps,
      rerunPlacement: () =>
        Promise.resolve((id: string) => {
          accepted.push(id);
          return id.startsWith('od-');
        }),
    };
    const done = handleJob(deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    expect((await done).result).toBe('success');
    expect(seen[0]!.accept).toBeUndefined();
    expect(seen[1]!.accept?.('od-1')).toBe(true);
    expect(seen[1]!.accept?.('i-3')).toBe(false);
    expect(s.trace.lines).toContain(
      'INFO The rerun goes to the fallback group (rerun_on_fallback).',
    );
  });

  it('fails the job as a runner system failure when interruption_mode is "fail"', async () => {
    const s = setup('fail');
    const done = handleJob(s.deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    const outcome = await done;
    expect(outcome).toMatchObject({ result: 'failed', failureReason: 'runner_system_failure' });
    expect(s.executor.instances).toEqual(['i-1']);
    expect(
      s.trace.lines.some((l) => l.startsWith('ERROR') && l.includes('interruption_mode is "fail"')),
    ).toBe(true);
  });

  it('stops rerunning after max_reruns', async () => {
    const s = setup('rerun', 0);
    const done = handleJob(s.deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    expect((await done).failureReason).toBe('runner_system_failure');
    expect(s.executor.instances).toEqual(['i-1']);
  });

  it("leaves the job in GitLab's ack window to expire when no instance comes", async () => {
    const s = setup('rerun');
    s.fleet.acquire = () =>
      Promise.reject(
        new SpotrunnerError(
          'acquire_timeout',
          'unable to acquire instance within the configured timeout of 15m0s',
        ),
      );
    const done = handleJob(s.deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    expect((await done).failureReason).toBe('runner_system_failure');
    expect(s.updates.map((u) => u.state)).toEqual(['pending']);
    expect(s.trace.discarded).toBe(true);
    expect(s.trace.finished).toBeUndefined();
  });

  it('fails the job with the acquire timeout on a GitLab without two-phase commit', async () => {
    const s = setup('rerun');
    s.deps.api = {
      ...s.deps.api,
      updateJob: (_j, u) => {
        s.updates.push(u);
        return Promise.resolve(
          u.state === 'pending'
            ? { kind: 'failed', status: 400, cancelRequested: false }
            : { kind: 'succeeded', cancelRequested: false },
        );
      },
    };
    s.fleet.acquire = () =>
      Promise.reject(
        new SpotrunnerError(
          'acquire_timeout',
          'unable to acquire instance within the configured timeout of 15m0s',
        ),
      );
    const done = handleJob(s.deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    expect(await done).toMatchObject({ result: 'failed', failureReason: 'runner_system_failure' });
    expect(s.trace.finished).toMatchObject({
      result: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(s.trace.lines.some((l) => l.includes('within the configured timeout of 15m0s'))).toBe(
      true,
    );
  });

  it('discards the trace without a final state when GitLab aborts the job', async () => {
    const s = setup('rerun');
    s.deps.executor = {
      name: 'fake',
      run: (ctx) => {
        s.trace.abortFromGitLab();
        expect(ctx.abortSignal.aborted).toBe(true);
        return Promise.resolve({ result: 'failed', failureReason: 'job_canceled' });
      },
    } as Executor & { instances: string[] };
    const done = handleJob(s.deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    await done;
    expect(s.trace.discarded).toBe(true);
    expect(s.trace.finished).toBeUndefined();
    expect(s.fleet.released.map((r) => r.key)).toEqual(['spot/1']);
  });
});

/** A journal that logs its events (and the fleet's acquisitions) in order. */
function journalInto(events: string[]): JobJournal {
  return {
    received: (j) => {
      events.push(`received:${j.id}`);
      return Promise.resolve();
    },
    accepted: (j) => void events.push(`accepted:${j.id}`),
    started: (j, instanceId) => void events.push(`started:${j.id}:${instanceId}`),
    finishing: (jobId, u) => {
      events.push(`finishing:${jobId}:${u.state}:${u.checksum ?? ''}`);
      return Promise.resolve();
    },
    finished: (jobId) => void events.push(`finished:${jobId}`),
  };
}

function journaled() {
  const s = setup('rerun');
  const events: string[] = [];
  const acquire = s.fleet.acquire.bind(s.fleet);
  s.fleet.acquire = (key, o) => {
    events.push(`acquire:${key}`);
    return acquire(key, o);
  };
  s.deps.executor = {
    name: 'fake',
    run: () => Promise.resolve({ result: 'success' }),
  } as unknown as typeof s.executor;
  return { ...s, events, deps: { ...s.deps, journal: journalInto(events) } };
}

describe('handleJob and the state journal', () => {
  it('journals the job before asking for an instance, and the final state before sending it', async () => {
    const s = journaled();
    const done = handleJob(s.deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    await done;
    expect(s.events).toEqual([
      'received:7',
      'acquire:spot/1',
      'accepted:7',
      'started:7:i-1',
      'finishing:7:success:crc32:0000002a',
      'finished:7',
    ]);
  });

  it('keeps the job in the journal when GitLab never answered the final state', async () => {
    const s = journaled();
    s.trace.delivery = { kind: 'gave-up', retryable: true };
    const done = handleJob(s.deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    await done;
    expect(s.events.at(-1)).toBe('finishing:7:success:crc32:0000002a');
    expect(s.events).not.toContain('finished:7');
  });

  it('forgets the job when GitLab refused the final state', async () => {
    const s = journaled();
    s.trace.delivery = { kind: 'gave-up', retryable: false };
    const done = handleJob(s.deps, s.options, job, 'spot/1');
    await s.clock.runAll();
    await done;
    expect(s.events.at(-1)).toBe('finished:7');
  });
});
