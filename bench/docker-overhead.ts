/**
 * Warm overhead of the docker-autoscaler executor: from the job handed to the executor to the
 * first line of its script, with the images present, on this machine's Docker engine through
 * a local process connection. The job clones a small repository over git smart HTTP and has no
 * services (a second figure adds one service). Phases overlap (images ∥ network ∥ volumes,
 * then helper ∥ services ∥ build container, get_sources ∥ build container), so the breakdown
 * gives each phase's start and end offset rather than durations that add up.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createProcessConnection } from '../src/connect/process-connection.js';
import { createDockerExecutor } from '../src/executors/docker/index.js';
import type { ExecutionContext } from '../src/executors/executor.js';
import { createGitRemote, startGitHttpServer } from '../src/executors/testing/git-fixture.js';
import { JOB_TOKEN, makeJob, makeTempDir } from '../src/executors/testing/job-fixture.js';
import { MemoryTrace } from '../src/executors/testing/memory-trace.js';
import { jobPayloadSchema, type JobPayload } from '../src/gitlab/job-payload.js';
import { SystemClock } from '../src/platform/clock.js';
import { silentLogger } from '../src/platform/logger.js';
import {
  dockerRunner,
  ensureTestImages,
  exposeToContainers,
  TEST_JOB_IMAGE,
} from '../test/support/docker.js';
import type { BenchResult } from './bench-types.js';

const RUNS = 5;
const TARGET_MS = 2000;

type Marks = Map<string, { start?: number; end?: number }>;

async function runOnce(
  job: JobPayload,
  dir: string,
): Promise<{ firstLineMs: number; marks: Marks }> {
  const marks: Marks = new Map();
  const t0 = performance.now();
  const executor = createDockerExecutor(
    { logger: silentLogger, clock: new SystemClock() },
    {
      onPhase: (phase, edge) => {
        const m = marks.get(phase) ?? {};
        // Only the first occurrence of a phase (the first build container, not the next one).
        if (m[edge] === undefined) m[edge] = performance.now() - t0;
        marks.set(phase, m);
      },
    },
  );
  const clock = new SystemClock();
  const ctx: ExecutionContext = {
    job,
    runner: dockerRunner(),
    connection: createProcessConnection({ instanceId: 'bench', cwd: dir }),
    instance: { id: 'bench', slot: 0, os: 'linux', arch: 'amd64' },
    concurrency: { id: 0, projectId: 0 },
    trace: new MemoryTrace(),
    abortSignal: new AbortController().signal,
    cancelSignal: new AbortController().signal,
    gitlabUrl: 'http://127.0.0.1:9',
    nowMs: () => clock.now(),
  };
  const outcome = await executor.run(ctx);
  if (outcome.result !== 'success') throw new Error(`bench job failed: ${outcome.message}`);
  const firstLineMs = marks.get('first_output')?.end;
  if (firstLineMs === undefined) throw new Error('the job printed nothing');
  return { firstLineMs, marks };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function breakdown(runs: { marks: Marks }[], prefix: string): Record<string, string> {
  const phases = [
    'images',
    'network',
    'helper',
    'services',
    'build_container',
    'stage:get_sources',
  ];
  const figures: Record<string, string> = {};
  for (const phase of phases) {
    const starts = runs.map((r) => r.marks.get(phase)?.start).filter((v) => v !== undefined);
    const ends = runs.map((r) => r.marks.get(phase)?.end).filter((v) => v !== undefined);
    if (starts.length === 0 || ends.length === 0) continue;
    const name = phase.replace('stage:', '');
    figures[`${prefix}${name} (start→end ms)`] =
      `${Math.round(median(starts))} → ${Math.round(median(ends))}`;
  }
  return figures;
}

export async function benchDockerOverhead(): Promise<BenchResult[]> {
  await ensureTestImages();
  const tmp = makeTempDir('spotrunner-bench-docker-');
  const remote = createGitRemote(tmp.dir);
  const git = await startGitHttpServer(join(tmp.dir, 'remote'), 'gitlab-ci-token', JOB_TOKEN);
  const relay = await exposeToContainers(Number(new URL(git.url).port));
  try {
    const job = (services: unknown[]): JobPayload =>
      jobPayloadSchema.parse({
        ...makeJob({
          repoUrl: `http://gitlab-ci-token:${JOB_TOKEN}@${relay.host}:${relay.port}/acme/widget.git`,
          sha: remote.shas.at(-1)!,
          refspecs: ['+refs/heads/main:refs/remotes/origin/main'],
          variables: [{ key: 'GIT_STRATEGY', value: 'clone' }],
          script: ['echo first-line'],
        }),
        image: { name: TEST_JOB_IMAGE },
        services,
      });
    const service = {
      name: TEST_JOB_IMAGE,
      alias: 'web',
      command: ['busybox', 'httpd', '-f', '-p', '8080'],
      ports: [{ number: 8080 }],
    };
    await runOnce(job([]), tmp.dir); // warm-up: page cache, image layers, git server
    const plain: Awaited<ReturnType<typeof runOnce>>[] = [];
    for (let i = 0; i < RUNS; i++) plain.push(await runOnce(job([]), tmp.dir));
    const withService: Awaited<ReturnType<typeof runOnce>>[] = [];
    for (let i = 0; i < RUNS; i++) withService.push(await runOnce(job([service]), tmp.dir));
    const plainMedian = median(plain.map((r) => r.firstLineMs));
    const serviceMedian = median(withService.map((r) => r.firstLineMs));
    const load = loadavg()[0]!.toFixed(1);
    return [
      {
        name: 'docker executor: job received → first script line (image present, git clone)',
        target: `≤${TARGET_MS} ms`,
        ok: plainMedian <= TARGET_MS,
        figures: {
          'median ms': Math.round(plainMedian),
          'min ms': Math.round(Math.min(...plain.map((r) => r.firstLineMs))),
          'max ms': Math.round(Math.max(...plain.map((r) => r.firstLineMs))),
          runs: RUNS,
          'load average (1 min)': load,
          ...breakdown(plain, ''),
        },
      },
      {
        name: 'docker executor: same with one service (readiness wait on its port)',
        figures: {
          'median ms': Math.round(serviceMedian),
          'min ms': Math.round(Math.min(...withService.map((r) => r.firstLineMs))),
          'max ms': Math.round(Math.max(...withService.map((r) => r.firstLineMs))),
          runs: RUNS,
          ...breakdown(withService, ''),
        },
      },
    ];
  } finally {
    await relay.stop();
    await git.close();
    tmp.remove();
  }
}
