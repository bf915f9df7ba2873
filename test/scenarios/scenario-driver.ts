/**
 * Runs one fleet scenario: the engine on a VirtualClock with the sim provider, jobs arriving on
 * a timeline and behaving like the runner loop (reserve before asking for a job, retry every
 * check interval while reserve says no, acquire, hold the slot for the job's duration, release;
 * on an aborted acquisition signal, fail or rerun elsewhere). Records samples and totals.
 */
import { VirtualClock } from '../../src/platform/clock.js';
import { parseDurationMs } from '../../src/platform/durations.js';
import { SpotrunnerError } from '../../src/platform/errors.js';
import { MemoryLogger } from '../../src/platform/logger.js';
import { createFleet, type FleetEngine, type ReadyUpFn } from '../../src/fleet/index.js';
import { createSimProvider, type SimProvider } from '../../src/providers/sim/sim-provider.js';
import type { SimProviderOptions } from '../../src/providers/sim/sim-options.js';
import { testFleetOptions, type TestFleetOptions } from '../../src/fleet/testing/test-options.js';

export interface ScenarioJob {
  at: number;
  duration: number;
  /** Jobs arriving together. */
  count?: number;
  /** Repeat the arrival this many times, `every` apart. */
  repeat?: number;
  every?: number;
  /** After losing its instance, run again on another one (up to 3 times). */
  rerun?: boolean;
  /** Keep the slot until the job's end even when the instance is lost (a stuck job). */
  ignoreAbort?: boolean;
}

export interface ScenarioSpec {
  description?: string;
  startAt?: string;
  runFor: number;
  checkIntervalMs?: number;
  /** Only what differs from the config defaults (filled in as `loadConfig` would). */
  fleet: TestFleetOptions;
  sim: SimProviderOptions;
  readyUp?: { failFirst?: number; delayMs?: number };
  jobs: ScenarioJob[];
}

export type Sample = Record<string, number>;

export interface ScenarioResult {
  samples: Map<number, Sample>;
  totals: Record<string, number>;
  logs: Map<string, number>;
}

const DURATION_KEYS = new Set(['at', 'duration', 'runFor', 'every']);

/** YAML → spec: keys ending in `Ms` (and at/duration/runFor) accept Go-style durations. */
export function normalizeDurations(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => normalizeDurations(v, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        normalizeDurations(v, k),
      ]),
    );
  }
  if (typeof value === 'string' && (key.endsWith('Ms') || DURATION_KEYS.has(key))) {
    return parseDurationMs(value);
  }
  return value;
}

function makeReadyUp(spec: ScenarioSpec['readyUp'], clock: VirtualClock): ReadyUpFn | undefined {
  if (!spec) return undefined;
  let calls = 0;
  return async (_instance, signal) => {
    calls++;
    if (spec.delayMs) await clock.sleep(spec.delayMs, signal);
    if (calls <= (spec.failFirst ?? 0)) throw new Error(`ready command failed (${calls})`);
  };
}

interface JobTotals {
  jobsOk: number;
  jobsLost: number;
  jobsInterrupted: number;
  jobsTimedOut: number;
  reruns: number;
  running: number;
  maxConcurrent: number;
  maxPending: number;
  maxWaitMs: number;
  totalWaitMs: number;
  acquisitions: number;
  /** Acquisitions that landed on an avoided, interrupted or not-ready instance. */
  violations: number;
}

class ScenarioRun {
  readonly clock: VirtualClock;
  readonly logger = new MemoryLogger();
  readonly sim: SimProvider;
  readonly fleet: FleetEngine;
  readonly t: JobTotals = {
    jobsOk: 0,
    jobsLost: 0,
    jobsInterrupted: 0,
    jobsTimedOut: 0,
    reruns: 0,
    running: 0,
    maxConcurrent: 0,
    maxPending: 0,
    maxWaitMs: 0,
    totalWaitMs: 0,
    acquisitions: 0,
    violations: 0,
  };
  readonly #check: number;
  #next = 0;

  constructor(spec: ScenarioSpec) {
    this.clock = new VirtualClock(spec.startAt ? Date.parse(spec.startAt) : undefined);
    this.sim = createSimProvider({ clock: this.clock }, spec.sim);
    const readyUp = makeReadyUp(spec.readyUp, this.clock);
    this.fleet = createFleet(
      {
        clock: this.clock,
        logger: this.logger,
        provider: this.sim,
        ...(readyUp ? { readyUp } : {}),
      },
      testFleetOptions(spec.fleet),
    );
    this.#check = spec.checkIntervalMs ?? 3_000;
  }

  /** A job arrives: ask for it once reserve() allows (as the runner polls GitLab). */
  arrive(job: ScenarioJob, avoid: string[] = [], arrivedAt = this.clock.now()): void {
    const key = `job-${this.#next++}`;
    if (!this.fleet.reserve(key).ok) {
      this.clock.schedule(this.#check, () => this.arrive(job, avoid, arrivedAt));
      return;
    }
    this.fleet.acquire(key, { jobId: this.#next, avoid }).then(
      (acq) => this.#started(job, acq, avoid, arrivedAt),
      (err: unknown) => {
        if (err instanceof SpotrunnerError && err.code === 'acquire_timeout') this.t.jobsTimedOut++;
        else throw err;
      },
    );
    this.t.maxPending = Math.max(this.t.maxPending, this.fleet.status().pending);
  }

  #started(
    job: ScenarioJob,
    acq: Awaited<ReturnType<FleetEngine['acquire']>>,
    avoid: string[],
    arrivedAt: number,
  ): void {
    const t = this.t;
    const waited = this.clock.now() - arrivedAt;
    t.acquisitions++;
    t.totalWaitMs += waited;
    t.maxWaitMs = Math.max(t.maxWaitMs, waited);
    t.maxConcurrent = Math.max(t.maxConcurrent, ++t.running);
    const view = this.fleet.status().instances.find((i) => i.id === acq.instanceId);
    if (
      avoid.includes(acq.instanceId) ||
      view?.interruption ||
      (view?.status !== 'ready' && view?.status !== 'draining')
    ) {
      t.violations++;
    }
    const cancel = this.clock.schedule(job.duration, () => {
      t.running--;
      t.jobsOk++;
      this.fleet.release(acq.key);
    });
    acq.signal.addEventListener('abort', () => {
      t.jobsInterrupted++;
      if (job.ignoreAbort) return;
      cancel();
      t.running--;
      this.fleet.release(acq.key, { healthy: true });
      if (job.rerun && avoid.length < 3) {
        t.reruns++;
        this.arrive(job, [...avoid, acq.instanceId], arrivedAt);
      } else {
        t.jobsLost++;
      }
    });
  }

  sample(): Sample {
    const s = this.fleet.status();
    const by = (st: string): number => s.instances.filter((i) => i.status === st).length;
    return {
      instances: s.instances.filter((i) => i.status !== 'removing').length,
      ready: by('ready'),
      booting: by('creating') + by('readying'),
      draining: by('draining'),
      removing: by('removing'),
      acquired: s.acquired,
      pending: s.pending,
      reserved: s.reserved,
      idleTarget: s.idleTarget,
      policyIndex: s.policyIndex,
      listed: this.sim.size,
      launches: this.sim.counters().launches,
    };
  }
}

export async function runScenario(
  spec: ScenarioSpec,
  sampleAt: readonly number[],
): Promise<ScenarioResult> {
  const run = new ScenarioRun(spec);
  const start = run.clock.now();
  const samples = new Map<number, Sample>();
  for (const at of sampleAt) run.clock.schedule(at, () => samples.set(at, run.sample()));
  for (const job of spec.jobs) {
    for (let r = 0; r < (job.repeat ?? 1); r++) {
      const at = job.at + r * (job.every ?? 0);
      for (let i = 0; i < (job.count ?? 1); i++) run.clock.schedule(at, () => run.arrive(job));
    }
  }
  await run.fleet.start();
  await run.clock.runUntil(start + spec.runFor);
  const sim = run.sim.counters();
  const fleet = run.fleet.counters();
  const totals: Record<string, number> = {
    ...run.t,
    meanWaitMs: run.t.acquisitions > 0 ? run.t.totalWaitMs / run.t.acquisitions : 0,
    launches: sim.launches,
    terminations: sim.terminations,
    interruptions: sim.interruptions,
    capacityErrors: sim.capacityErrors,
    readyUpFailures: fleet.readyUpFailures,
    acquireTimeouts: fleet.acquireTimeouts,
    instancesLost: fleet.instancesLost,
    costUsd: run.sim.costSummary().costUsd,
  };
  await run.fleet.stop({ graceMs: 0 });
  const logs = new Map<string, number>();
  for (const r of run.logger.records) logs.set(r.msg, (logs.get(r.msg) ?? 0) + 1);
  return { samples, totals, logs };
}
