/**
 * The manager's memory with 200 concurrent jobs (each `sleep 20`, long enough for all 200 to
 * be running at once; GIT_STRATEGY none): RSS and heap used before (started, idle, after a full
 * GC), at the peak (sampled every 200 ms), and after the pipeline (2 s later, after a full GC). The sandbox server runs in a child process so that only the manager is measured. Two
 * set-ups: the `instance` executor on 4 local instances × capacity 50 (the local provider's SSH
 * servers live in the manager process, so this over-counts what a cloud fleet costs), and the
 * `shell` executor with limit 200 (jobs are child processes of the manager). Both run in this
 * one process, one after the other: heap figures are after a full GC and comparable, but the
 * second set-up's RSS starts from the high-water mark the first left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startManager } from '../src/app/start-manager.js';
import { loadConfig } from '../src/config/index.js';
import { SystemClock } from '../src/platform/clock.js';
import { silentLogger } from '../src/platform/logger.js';
import { createSandboxClient, type PipelineView } from '../src/sandbox/index.js';
import { e2eConfigToml, type E2eConfigInput } from '../test/e2e/e2e-config.js';
import type { BenchResult } from './bench-types.js';

const JOBS = 200;
const SLEEP_S = 20;
const clock = new SystemClock();
const SERVER_MODULE = fileURLToPath(new URL('../src/sandbox/index.ts', import.meta.url));

const CI_YAML = `variables:
  GIT_STRATEGY: none
sleep:
  parallel: ${JOBS}
  script:
    - sleep ${SLEEP_S}
`;

/** Started in a child: the sandbox server with one project and runner; prints them as JSON. */
const CHILD_CODE = `
const { createSandboxServer } = await import(${JSON.stringify(SERVER_MODULE)});
const { SystemClock } = await import(${JSON.stringify(fileURLToPath(new URL('../src/platform/clock.ts', import.meta.url)))});
const { silentLogger } = await import(${JSON.stringify(fileURLToPath(new URL('../src/platform/logger.ts', import.meta.url)))});
const [dataDir, projectDir] = process.argv.slice(1);
const server = createSandboxServer({ clock: new SystemClock(), logger: silentLogger }, { dataDir, longPollMs: 3000 });
const { url } = await server.start();
const project = await server.createProject({ sourceDir: projectDir, name: 'memory' });
const runner = server.createRunner({ description: 'memory bench', runUntagged: true });
process.stdout.write(JSON.stringify({ url, token: runner.token, projectId: project.id }) + '\\n');
process.stdin.resume();
process.stdin.on('end', () => void server.stop().then(() => process.exit(0)));
`;

interface ChildServer {
  url: string;
  token: string;
  projectId: number;
  child: ChildProcess;
}

async function startChildServer(dataDir: string, projectDir: string): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', CHILD_CODE, dataDir, projectDir],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`sandbox child exited with ${String(code)}`)));
  });
  lines.close();
  return { ...(JSON.parse(first) as Omit<ChildServer, 'child'>), child };
}

interface Sample {
  rssMb: number;
  heapMb: number;
  jobsRunning: number;
}

/** A full garbage collection, so that "before" and "after" compare live memory only. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const sample = (jobsRunning: number): Sample => {
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapMb: mb(m.heapUsed), jobsRunning };
};

async function waitForPipeline(url: string, id: number, timeoutMs: number): Promise<PipelineView> {
  const client = createSandboxClient(url);
  const deadline = clock.now() + timeoutMs;
  for (;;) {
    const pipeline = await client.pipeline(id);
    if (['success', 'failed', 'canceled', 'skipped'].includes(pipeline.status)) return pipeline;
    if (clock.now() > deadline) throw new Error(`pipeline ${id} still ${pipeline.status}`);
    await clock.sleep(500);
  }
}

async function measure(
  label: string,
  config: Omit<E2eConfigInput, 'url' | 'token' | 'dataDir'>,
): Promise<BenchResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'spotrunner-bench-memory-'));
  const projectDir = join(dataDir, 'project');
  await mkdir(projectDir);
  await writeFile(join(projectDir, '.gitlab-ci.yml'), CI_YAML);
  const server = await startChildServer(join(dataDir, 'gitlab'), projectDir);
  const configFile = join(dataDir, 'config.toml');
  await writeFile(
    configFile,
    e2eConfigToml({ ...config, url: server.url, token: server.token, dataDir }),
  );
  const { config: compiled } = await loadConfig(configFile, { env: {} });
  const started = await startManager(
    { clock, logger: silentLogger },
    {
      config: compiled,
      version: 'bench',
      env: { PATH: process.env.PATH },
      stateDir: join(dataDir, 'state'),
    },
  );
  const running = (): number => started.manager.status().jobsRunning;
  try {
    await clock.sleep(1000);
    collectGarbage();
    const before = sample(running());
    const samples: Sample[] = [];
    let sampling = true;
    const sampler = (async (): Promise<void> => {
      while (sampling) {
        samples.push(sample(running()));
        await clock.sleep(200);
      }
    })();
    const startedAt = clock.now();
    const created = await createSandboxClient(server.url).createPipeline(server.projectId);
    const done = await waitForPipeline(server.url, created.id, 300_000);
    const elapsedS = (clock.now() - startedAt) / 1000;
    sampling = false;
    await sampler;
    await clock.sleep(2000);
    collectGarbage();
    const after = sample(running());
    const ok = done.jobs.filter((j) => j.status === 'success').length;
    return {
      name: `manager memory, ${JOBS} concurrent jobs (${label})`,
      figures: {
        'jobs succeeded': ok,
        'peak jobs running at once': Math.max(...samples.map((s) => s.jobsRunning)),
        'pipeline wall time (s)': Math.round(elapsedS * 10) / 10,
        'RSS before (MB)': before.rssMb,
        'RSS peak (MB)': Math.max(...samples.map((s) => s.rssMb)),
        'RSS after (MB)': after.rssMb,
        'heap used before (MB)': before.heapMb,
        'heap used peak (MB)': Math.max(...samples.map((s) => s.heapMb)),
        'heap used after (MB)': after.heapMb,
      },
    };
  } finally {
    await started.close(10_000);
    server.child.stdin?.end();
    await new Promise<void>((resolve) => server.child.once('exit', () => resolve()));
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function benchManagerMemory(): Promise<BenchResult[]> {
  const common = { concurrent: JOBS, limit: JOBS, requestConcurrency: 4 };
  return [
    await measure('instance executor, 4 local instances × 50', {
      ...common,
      capacityPerInstance: 50,
      maxInstances: 4,
      idleTime: '30s',
    }),
    await measure('shell executor, limit 200', { ...common, executor: 'shell' }),
  ];
}
