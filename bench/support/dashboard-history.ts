/**
 * A deterministic 35-day history at the dashboard window's caps: 20,000 instances of one runner
 * and 50,000 jobs on them (1–4 each), launched on a demand curve (busy working hours, quiet
 * nights, quieter weekends), so the fleet scales up and down every day. Each instance boots
 * 60–100 s, runs its jobs one after another, idles 10 min and is removed; one in 150 is taken
 * back by a spot interruption, and its last job is rerun on the next instance (two runs). Records
 * come in the order the manager writes them: a job when it finishes, an instance when removed.
 */
import type { RecordedJob } from '../../src/runner/job-recorder.js';
import type { RecordedInstance } from '../../src/manager/history/instance-tracker.js';

export const DAY_MS = 24 * 3600_000;
const MIN = 60_000;
const PROJECTS = Array.from({ length: 60 }, (_, i) => `group-${i % 9}/service-${i}`);
const NAMES = ['build', 'test:unit', 'test:integration', 'lint', 'deploy:staging', 'package'];
const TYPES = ['t4g.medium', 't4g.large', 'c7g.large', 'm7g.large'];

/** mulberry32: the same numbers on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Demand per minute: working hours (UTC 7–18) ten times the night, weekends a fifth. */
function demand(atMs: number): number {
  const hour = new Date(atMs).getUTCHours();
  const day = new Date(atMs).getUTCDay();
  const base = hour >= 7 && hour < 18 ? 10 : hour >= 5 && hour < 21 ? 3 : 1;
  return day === 0 || day === 6 ? base / 5 : base;
}

/** Launch times of `n` instances over [fromMs, toMs), spread in proportion to demand. */
function launchTimes(n: number, fromMs: number, toMs: number): number[] {
  const minutes = Math.floor((toMs - fromMs) / MIN);
  const cumulative: number[] = [];
  let total = 0;
  for (let m = 0; m < minutes; m++) cumulative.push((total += demand(fromMs + m * MIN)));
  const out: number[] = [];
  let m = 0;
  for (let k = 0; k < n; k++) {
    const want = ((k + 0.5) / n) * total;
    while (cumulative[m]! < want) m++;
    out.push(fromMs + m * MIN + ((k * 7919) % 60) * 1000);
  }
  return out;
}

export interface GeneratedHistory {
  /** Oldest write first. */
  records: Array<RecordedJob | RecordedInstance>;
  jobs: number;
  instances: number;
  /** After the last record. */
  endMs: number;
}

/** The history, its last record just before `endMs` and its first after `endMs - days`. */
export function generateHistory(o: {
  endMs: number;
  days?: number;
  instances?: number;
  jobs?: number;
}): GeneratedHistory {
  const instances = o.instances ?? 20_000;
  const jobs = o.jobs ?? 50_000;
  const rnd = random(20261206);
  // Leave room at the end for the last instances' jobs and idle time.
  const fromMs = o.endMs - (o.days ?? 35) * DAY_MS + 3600_000;
  const launches = launchTimes(instances, fromMs, o.endMs - 4 * 3600_000);
  const out: Array<{ atMs: number; rec: RecordedJob | RecordedInstance }> = [];
  let jobId = 40_000_000;
  let jobsLeft = jobs;
  for (let n = 0; n < instances; n++) {
    const launchedAtMs = launches[n]!;
    const instanceId = `i-0${(0x9000000 + n).toString(16)}abc`;
    const instanceType = TYPES[n % TYPES.length]!;
    const readyAtMs = launchedAtMs + 60_000 + Math.floor(rnd() * 40_000);
    const interrupted = n % 150 === 7;
    // 1–4 jobs, 2.5 on average: every instance's share of what is left.
    const count = Math.max(1, Math.min(jobsLeft - (instances - n - 1), 1 + (n % 4)));
    jobsLeft -= count;
    let at = readyAtMs + 2_000;
    let busyMs = 0;
    for (let k = 0; k < count; k++) {
      const startedAtMs = at + (k === 0 ? 0 : Math.floor(rnd() * 3 * MIN));
      const receivedAtMs = k === 0 ? launchedAtMs - 5_000 : startedAtMs - 1_000;
      const pickupMs = 500 + Math.floor(rnd() * 2_500);
      const endMs = startedAtMs + 2 * MIN + Math.floor(rnd() * 13 * MIN);
      const lost = interrupted && k === count - 1;
      const firstRun = { instanceId, startedAtMs, endedAtMs: endMs };
      busyMs += endMs - startedAtMs;
      let runs = [firstRun];
      let finishedAtMs = endMs;
      if (lost) {
        const rerunAt = endMs + 3 * MIN;
        finishedAtMs = rerunAt + 6 * MIN;
        runs = [
          firstRun,
          {
            instanceId: `i-0${(0x9000001 + n).toString(16)}abc`,
            startedAtMs: rerunAt,
            endedAtMs: finishedAtMs,
          },
        ];
      }
      const job: RecordedJob = {
        kind: 'job',
        jobId: jobId++,
        runner: 'aws-spot',
        name: NAMES[(n + k) % NAMES.length]!,
        project: PROJECTS[(n * 3 + k) % PROJECTS.length]!,
        tags: ['arm64', 'spot'],
        queuedAtMs: receivedAtMs - pickupMs,
        receivedAtMs,
        startedAtMs: runs.at(-1)!.startedAtMs,
        finishedAtMs,
        pickupMs,
        instanceWaitMs: startedAtMs - receivedAtMs,
        ...(k === 0
          ? {
              coldStartMs: readyAtMs - launchedAtMs,
              bootMs: readyAtMs - launchedAtMs - 8_000,
              readyUpMs: 8_000,
            }
          : {}),
        instanceId: runs.at(-1)!.instanceId,
        instanceType,
        lifecycle: 'spot',
        runs,
        reruns: lost ? 1 : 0,
        interruptions: lost ? 1 : 0,
        result: rnd() < 0.93 ? 'success' : 'failed',
      };
      out.push({ atMs: finishedAtMs, rec: job });
      at = endMs;
    }
    const removedAtMs = interrupted ? at : at + 10 * MIN;
    const billedS = Math.round((removedAtMs - launchedAtMs) / 1000);
    const bootS = Math.round((readyAtMs - launchedAtMs) / 1000);
    const busyS = Math.round(busyMs / 1000);
    out.push({
      atMs: removedAtMs,
      rec: {
        kind: 'instance',
        runner: 'aws-spot',
        instanceId,
        instanceType,
        lifecycle: 'spot',
        launchedAtMs,
        readyAtMs,
        removedAtMs,
        billedS,
        bootS,
        readyUpS: 8,
        busyS,
        idleS: Math.max(0, billedS - bootS - busyS),
        interrupted,
        removalReason: interrupted ? 'interrupted' : 'idle',
        jobs: count,
      },
    });
  }
  out.sort((a, b) => a.atMs - b.atMs);
  return {
    records: out.map((r) => r.rec),
    jobs: jobs - jobsLeft,
    instances,
    endMs: out.at(-1)!.atMs + 1_000,
  };
}
