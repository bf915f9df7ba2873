/**
 * The runner and the plan replay rescue an interrupted job by the same rule: the same fleet
 * interrupting the same job the same number of times gives the same reruns and the same end.
 */
import { describe, expect, it } from 'vitest';
import type { CompiledRunner } from '../../config/types.js';
import type { ExecutionContext, Executor, JobOutcome } from '../../executors/executor.js';
import {
  InstanceInterruptedError,
  type AcquireOptions,
  type Acquisition,
  type Fleet,
} from '../../fleet/fleet.js';
import { jobPayloadSchema } from '../../gitlab/job-payload.js';
import type { RunnerApi } from '../../gitlab/runner-api.js';
import { VirtualClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { handleJob } from '../../runner/job-handler.js';
import type { JobTrace } from '../../runner/ports.js';
import { decideRescue, type RescuePolicy } from '../../runner/rescue-rule.js';
import { ReplayMetrics } from './replay-metrics.js';
import { RunnerModel } from './runner-model.js';

const JOB_MS = 10_000;
const CUT_AFTER_MS = 1_000;

interface Ending {
  result: 'success' | 'failed';
  /** Instances the job ran on, in order. */
  instances: string[];
  /** What each later acquisition was told to avoid. */
  avoided: string[][];
  /** Releases marked unhealthy (each lost instance). */
  unhealthyReleases: number;
}

/** A fleet whose first `interruptions` acquisitions are taken back 1 s after they are granted. */
class InterruptingFleet implements Fleet {
  readonly instances: string[] = [];
  readonly avoided: string[][] = [];
  unhealthyReleases = 0;
  readonly #clock: VirtualClock;
  readonly #interruptions: number;

  constructor(clock: VirtualClock, interruptions: number) {
    this.#clock = clock;
    this.#interruptions = interruptions;
  }

  reserve = (): { ok: true } => ({ ok: true });
  unreserve = (): void => undefined;
  drain = (): boolean => false;
  release = (_key: string, o: { healthy?: boolean } = {}): void => {
    if (o.healthy === false) this.unhealthyReleases++;
  };
  status = (): ReturnType<Fleet['status']> => ({
    providerId: 'parity',
    instances: [],
    reserved: 0,
    acquired: 0,
    pending: 0,
    idleTarget: 0,
    policyIndex: 0,
  });

  acquire(key: string, options: AcquireOptions = {}): Promise<Acquisition> {
    const n = this.instances.length + 1;
    const id = `i-${n}`;
    this.instances.push(id);
    if (n > 1) this.avoided.push([...(options.avoid ?? [])]);
    const abort = new AbortController();
    if (n <= this.#interruptions) {
      this.#clock.schedule(CUT_AFTER_MS, () =>
        abort.abort(new InstanceInterruptedError(id, this.#clock.now() + 120_000)),
      );
    }
    return Promise.resolve({
      key,
      instanceId: id,
      slot: 0,
      signal: abort.signal,
      connectInfo: () => Promise.reject(new Error('not needed')),
    });
  }

  ending(result: Ending['result']): Ending {
    const { instances, avoided, unhealthyReleases } = this;
    return { result, instances, avoided, unhealthyReleases };
  }
}

async function throughRunner(policy: RescuePolicy, interruptions: number): Promise<Ending> {
  const clock = new VirtualClock();
  const fleet = new InterruptingFleet(clock, interruptions);
  const executor: Executor = {
    name: 'parity',
    run: (ctx: ExecutionContext) =>
      clock.sleep(JOB_MS, ctx.abortSignal).then(
        (): JobOutcome => ({ result: 'success' }),
        (): JobOutcome => ({ result: 'failed', failureReason: 'runner_system_failure' }),
      ),
  };
  const never = new AbortController().signal;
  const trace = {
    cancelRequested: never,
    aborted: never,
    write: () => undefined,
    sectionStart: () => undefined,
    sectionEnd: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    start: () => undefined,
    finish: () => Promise.resolve({ kind: 'delivered' }),
    discard: () => Promise.resolve(),
  } satisfies JobTrace;
  const api = {
    updateJob: () => Promise.resolve({ kind: 'succeeded', cancelRequested: false }),
  } as Partial<RunnerApi> as RunnerApi;
  const job = jobPayloadSchema.parse({
    id: 1,
    token: 'glcbt-job-token',
    job_info: { name: 'build' },
    git_info: { repo_url: 'http://gitlab.test/g/p.git' },
  });
  const runner = { name: 'spot', spotrunner: { ...policy, rerunOnFallback: false } };
  const done = handleJob(
    {
      clock,
      logger: silentLogger,
      api,
      fleet,
      executor,
      connections: { get: () => Promise.resolve({} as never), invalidate: () => undefined },
      traces: () => trace,
    },
    {
      runner: runner as unknown as CompiledRunner,
      gitlabUrl: 'http://gitlab.test',
      forceSignal: never,
      concurrency: { id: 0, projectId: 0 },
    },
    job,
    'spot/1',
  );
  await clock.runAll();
  return fleet.ending((await done).result === 'success' ? 'success' : 'failed');
}

async function throughPlanner(policy: RescuePolicy, interruptions: number): Promise<Ending> {
  const clock = new VirtualClock();
  const fleet = new InterruptingFleet(clock, interruptions);
  const metrics = new ReplayMetrics(1, clock.now(), 60_000);
  const job = { queuedAtMs: clock.now(), durationMs: JOB_MS, tags: [], project: 'g/p' };
  const model = new RunnerModel(
    { clock, fleet, metrics, runningSince: new Map(), instances: () => 1 },
    {
      maxConcurrent: 1,
      checkIntervalMs: 3_000,
      ...policy,
      watchInterruptions: true,
      runMs: (j) => j.durationMs,
    },
    [job],
  );
  model.see(0, 1);
  await clock.runAll();
  expect(model.done).toBe(true);
  expect(metrics.reruns).toBe(fleet.instances.length - 1);
  return fleet.ending(metrics.finished === 1 ? 'success' : 'failed');
}

/** The ending the rule itself prescribes. */
function byRule(policy: RescuePolicy, interruptions: number): Omit<Ending, 'avoided'> {
  const instances = ['i-1'];
  for (let lost = 0; lost < interruptions; lost++) {
    const d = decideRescue(policy, instances.length - 1);
    if (d.action === 'fail') {
      return { result: 'failed', instances, unhealthyReleases: lost + 1 };
    }
    instances.push(`i-${d.rerun + 1}`);
  }
  return { result: 'success', instances, unhealthyReleases: interruptions };
}

describe('rescue rule parity between the runner and the plan replay', () => {
  const cases: [RescuePolicy, number][] = [];
  for (const interruptionMode of ['rerun', 'fail'] as const) {
    for (const maxReruns of [0, 1, 2]) {
      for (const interruptions of [0, 1, 2, 3]) {
        cases.push([{ interruptionMode, maxReruns }, interruptions]);
      }
    }
  }

  it.each(cases)('%o with %i interruption(s)', async (policy, interruptions) => {
    const runner = await throughRunner(policy, interruptions);
    const planner = await throughPlanner(policy, interruptions);
    expect(planner).toEqual(runner);
    expect(runner).toMatchObject(byRule(policy, interruptions));
    // Each rerun avoids every instance the job lost so far.
    expect(runner.avoided).toEqual(
      runner.instances.slice(1).map((_, i) => runner.instances.slice(0, i + 1)),
    );
  });

  it('decides: fail mode always fails; rerun mode reruns up to max_reruns', () => {
    expect(decideRescue({ interruptionMode: 'fail', maxReruns: 5 }, 0)).toEqual({
      action: 'fail',
      because: 'interruption_mode',
    });
    expect(decideRescue({ interruptionMode: 'rerun', maxReruns: 2 }, 1)).toEqual({
      action: 'rerun',
      rerun: 2,
    });
    expect(decideRescue({ interruptionMode: 'rerun', maxReruns: 2 }, 2)).toEqual({
      action: 'fail',
      because: 'max_reruns',
    });
  });
});
