/**
 * Fault injection end to end: a pipeline of N jobs runs on the AWS double (real manager, real
 * SSH to local instances, the sandbox as GitLab) while M spot interruptions hit busy instances at
 * random times (termination notices, the last one a reclaim without notice). Prints how many jobs
 * were lost (must be 0), how many were rerun, and the extra job minutes the reruns cost (for each
 * rerun job: from its start to the start of its final attempt — the lost work plus the wait for a
 * new instance). Figures only.
 */
import { SeededRandom } from '../src/platform/random.js';
import { clock, startAwsE2e, type AwsE2e } from '../test/e2e-aws/harness.js';
import type { BenchResult } from './bench-types.js';

export interface FaultInjectionOptions {
  jobs?: number;
  interruptions?: number;
  seed?: number;
  /** Seconds each job's script sleeps. */
  jobSeconds?: number;
}

function pipelineYaml(jobs: number, seconds: number): string {
  return Array.from(
    { length: jobs },
    (_, k) =>
      `job-${k + 1}:\n  script:\n    - echo "job ${k + 1} started"\n    - sleep ${seconds}\n`,
  ).join('');
}

/** Where each job's current attempt runs and since when (polled from /status). */
type Attempts = Map<number, { instanceId: string; sinceMs: number }>;

async function trackAttempts(h: AwsE2e, attempts: Attempts): Promise<Set<string>> {
  const busy = new Set<string>();
  const status = await h.status().catch(() => undefined);
  for (const i of status?.runners.flatMap((r) => r.fleet?.instances ?? []) ?? []) {
    if (i.jobIds.length > 0 && i.status !== 'draining' && i.status !== 'removing') busy.add(i.id);
    for (const jobId of i.jobIds) {
      const seen = attempts.get(jobId);
      if (seen?.instanceId !== i.id)
        attempts.set(jobId, { instanceId: i.id, sinceMs: clock.now() });
    }
  }
  return busy;
}

interface Injection {
  attempts: Attempts;
  hits: string[];
  vanished: number;
  wallMs: number;
}

/** Runs the pipeline to its end, interrupting `planned` busy instances at random moments. */
async function runWithFaults(
  h: AwsE2e,
  pipelineId: number,
  planned: number,
  random: SeededRandom,
): Promise<Injection> {
  const startedAt = clock.now();
  const out: Injection = { attempts: new Map(), hits: [], vanished: 0, wallMs: 0 };
  let nextHitMs = startedAt + 3_000 + random.next() * 4_000;
  for (;;) {
    const busy = await trackAttempts(h, out.attempts);
    const status = h.server.pipeline(pipelineId)?.status;
    if (status && !['created', 'pending', 'running'].includes(status)) break;
    if (clock.now() - startedAt > 10 * 60_000) throw new Error('pipeline did not finish in 10 min');
    const candidates = [...busy].filter((id) => !out.hits.includes(id));
    if (out.hits.length < planned && clock.now() >= nextHitMs && candidates.length > 0) {
      const victim = candidates[random.int(0, candidates.length - 1)]!;
      out.hits.push(victim);
      if (out.hits.length === planned) {
        h.double.controls.vanish(victim);
        out.vanished++;
      } else h.double.controls.interrupt(victim, { kind: 'termination', noticeMs: 30_000 });
      nextHitMs = clock.now() + 1_000 + random.next() * 4_000;
    }
    await clock.sleep(200);
  }
  out.wallMs = clock.now() - startedAt;
  return out;
}

export async function benchFaultInjection(
  options: FaultInjectionOptions = {},
): Promise<BenchResult> {
  const jobs = options.jobs ?? 20;
  const planned = options.interruptions ?? 5;
  const h = await startAwsE2e({
    groups: [{ name: 'spot', max: 8 }],
    config: {
      capacityPerInstance: 2,
      maxInstances: 6,
      idleTime: '5s',
      maxReruns: 3,
      concurrent: 12,
    },
  });
  try {
    const pipelineId = await h.startPipeline(
      await h.createProject(pipelineYaml(jobs, options.jobSeconds ?? 6)),
    );
    const run = await runWithFaults(h, pipelineId, planned, new SeededRandom(options.seed ?? 7));
    const final = await h.waitPipeline(pipelineId);
    let rerun = 0;
    let extraMs = 0;
    for (const job of final.jobs) {
      if (!h.trace(job.id).includes('Running the job again')) continue;
      rerun++;
      const start = Date.parse(job.startedAt ?? '');
      const last = run.attempts.get(job.id)?.sinceMs;
      if (!Number.isNaN(start) && last !== undefined) extraMs += Math.max(0, last - start);
    }
    const lost = final.jobs.filter((j) => j.status !== 'success').length;
    return {
      name: `fault injection: ${jobs} jobs, ${planned} interruptions (AWS double, real manager)`,
      target: '0 jobs lost',
      ok: lost === 0,
      figures: {
        jobs: final.jobs.length,
        'interruptions injected': run.hits.length,
        'of which without notice (vanish)': run.vanished,
        'jobs lost': lost,
        'jobs rerun': rerun,
        'extra job minutes (reruns)': Math.round((extraMs / 60_000) * 100) / 100,
        'pipeline wall time (s)': Math.round(run.wallMs / 100) / 10,
      },
    };
  } finally {
    await h.close();
  }
}
