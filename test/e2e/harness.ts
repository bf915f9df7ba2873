/**
 * End-to-end harness: a sandbox server (behind a recording proxy) in a temp data dir, a project
 * from a fixture folder, a runner, a config.toml loaded by the real loader, and the manager
 * started through `startManager`, all on the system clock. `close()` tears everything down and
 * reports what was left behind (processes, instance dirs, listeners).
 */
import { chmod, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startManager, type StartedManager } from '../../src/app/start-manager.js';
import { loadConfig } from '../../src/config/index.js';
import type { CompiledConfig } from '../../src/config/types.js';
import { SystemClock } from '../../src/platform/clock.js';
import { MemoryLogger, type Logger } from '../../src/platform/logger.js';
import type { LocalProvider } from '../../src/providers/local/local-provider.js';
import { grantDirToJobUser, resolveLocalJobUser } from '../../src/providers/local/local-user.js';
import type { FleetInstanceView } from '../../src/fleet/fleet.js';
import {
  createSandboxServer,
  type JobView,
  type PipelineView,
  type ProjectView,
  type SandboxServer,
  type SandboxServerOptions,
} from '../../src/sandbox/index.js';
import type { CreateProjectOptions } from '../../src/sandbox/project-config.js';
import { e2eConfigToml, type E2eConfigInput } from './e2e-config.js';
import { startTapProxy, type TapProxy } from './tap-proxy.js';

export const PROJECTS_DIR = fileURLToPath(new URL('./projects', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type E2eConfigOptions = Omit<E2eConfigInput, 'url' | 'token' | 'dataDir'>;

export interface E2eOptions {
  config?: E2eConfigOptions;
  server?: Partial<Omit<SandboxServerOptions, 'dataDir'>>;
  /** Manager logger; default a MemoryLogger (kept in `logs`). */
  logger?: Logger;
  /** Runner and instances talk to the server directly; the proxy then records nothing. */
  direct?: boolean;
}

export interface Leftovers {
  /** Processes whose working directory is inside the data dir. */
  processes: string[];
  /** Entries left in `<dataDir>/instances`. */
  instanceDirs: string[];
  /** Listeners, sockets, timers and child processes still open, beyond those before start. */
  handles: string[];
}

export const NO_LEFTOVERS: Leftovers = { processes: [], instanceDirs: [], handles: [] };

const TRACKED_HANDLES = ['TCPServerWrap', 'TCPSocketWrap', 'Timeout', 'ProcessWrap'];

function countHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) {
    if (TRACKED_HANDLES.includes(kind)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

/** Handle kinds (with how many more) open now than in `baseline`. */
function extraHandles(baseline: Map<string, number>): string[] {
  return [...countHandles()]
    .filter(([kind, n]) => n > (baseline.get(kind) ?? 0))
    .map(([kind, n]) => `${kind} +${n - (baseline.get(kind) ?? 0)}`);
}

export interface E2eHarness {
  readonly server: SandboxServer;
  readonly proxy: TapProxy;
  readonly dataDir: string;
  readonly config: CompiledConfig;
  readonly runner: { id: number; token: string };
  readonly started: StartedManager;
  readonly logs: MemoryLogger;
  /** A project from `test/e2e/projects/<name>/`. */
  createProject(
    name: string,
    options?: Omit<CreateProjectOptions, 'sourceDir'>,
  ): Promise<ProjectView>;
  /** Creates a pipeline and waits until it has finished. */
  runPipeline(projectId: number, timeoutMs?: number): Promise<PipelineView>;
  /** The job of a pipeline by name (the latest attempt unless `all`). */
  job(pipeline: PipelineView, name: string): JobView;
  trace(jobId: number): string;
  /** Local instances as the fleet sees them (empty for the shell executor). */
  instances(): readonly FleetInstanceView[];
  localProvider(): LocalProvider;
  /** The status server's base URL (the config needs a `listenAddress`). */
  statusUrl(): string;
  /** Polls `check` until it returns a value (not undefined/false) or `timeoutMs` passes. */
  waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** What happened, for a failed test: jobs, fleet, the last log lines and requests. */
  diagnostics(): string;
  close(): Promise<Leftovers>;
}

const clock = new SystemClock();

export async function startE2e(options: E2eOptions = {}): Promise<E2eHarness> {
  const baseline = countHandles();
  const dataDir = await mkdtemp(join(tmpdir(), 'spotrunner-e2e-'));
  await openToJobUser(dataDir, options.config);
  const logs = new MemoryLogger();
  const logger = options.logger ?? logs;
  const proxy = await startTapProxy();
  const server = createSandboxServer(
    { clock, logger: logger.child({ component: 'sandbox' }) },
    {
      dataDir: join(dataDir, 'gitlab'),
      longPollMs: 3_000,
      traceUpdateIntervalS: 1,
      ...(options.direct ? {} : { externalUrl: proxy.url }),
      ...options.server,
    },
  );
  try {
    const listen = await server.start();
    proxy.setTarget(listen.listenUrl);
    // The runner talks to the proxy; instances clone and fetch artifacts through it too.
    const runner = server.createRunner({ description: 'spotrunner e2e', runUntagged: true });
    const configFile = join(dataDir, 'config.toml');
    const toml = e2eConfigToml({
      ...options.config,
      url: options.direct ? listen.listenUrl : proxy.url,
      token: runner.token,
      dataDir,
    });
    await writeFile(configFile, toml, { mode: 0o600 });
    const { config } = await loadConfig(configFile, { env: {} });
    const started = await startManager(
      { clock, logger },
      {
        config,
        version: 'e2e',
        env: { PATH: process.env.PATH, LANG: 'C.UTF-8' },
        stateDir: join(dataDir, 'state'),
      },
    );
    return makeHarness({ server, proxy, dataDir, config, runner, started, logs, baseline });
  } catch (err: unknown) {
    await server.stop().catch(() => undefined);
    await proxy.stop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Local instances run jobs as an unprivileged user when the tests run as root: it must reach its
 * instance directory inside the data dir (search permission) and write the shared cache_dir.
 */
export async function openToJobUser(dataDir: string, config: E2eConfigOptions = {}): Promise<void> {
  if (config.executor === 'shell') return;
  await chmod(dataDir, 0o711);
  if (config.cacheDir === null) return;
  const user = await resolveLocalJobUser(new MemoryLogger());
  await grantDirToJobUser(config.cacheDir ?? join(dataDir, 'cache'), user);
}

interface Parts {
  server: SandboxServer;
  proxy: TapProxy;
  dataDir: string;
  config: CompiledConfig;
  runner: { id: number; token: string };
  started: StartedManager;
  logs: MemoryLogger;
  baseline: Map<string, number>;
}

function makeHarness(p: Parts): E2eHarness {
  const { server, started } = p;
  const stack = (): ReturnType<StartedManager['manager']['stacks']>[number] => {
    const s = started.manager.stacks()[0];
    if (!s) throw new Error('the runner did not start');
    return s;
  };
  const waitFor = async <T>(
    what: string,
    check: () => T | undefined | false,
    timeoutMs = 30_000,
  ): Promise<T> => {
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined && value !== false) return value;
      if (clock.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await clock.sleep(100);
    }
  };
  return {
    ...p,
    createProject: (name, options = {}) =>
      server.createProject({ sourceDir: join(PROJECTS_DIR, name), ...options }),
    async runPipeline(projectId, timeoutMs = 45_000) {
      const pipeline = await server.createPipeline(projectId);
      return server.waitForPipeline(pipeline.id, { timeoutMs });
    },
    job(pipeline, name) {
      const jobs = pipeline.jobs.filter((j) => j.name === name && !j.retried);
      const job = jobs[jobs.length - 1];
      if (!job) throw new Error(`pipeline ${pipeline.id} has no job ${name}`);
      return job;
    },
    trace: (jobId) => server.trace(jobId, { plain: true }) ?? '',
    instances: () => started.manager.status().runners[0]?.fleet?.instances ?? [],
    localProvider: () => stack().provider as LocalProvider,
    statusUrl() {
      const part = started.manager.status().parts.find((x) => x.name === 'status-server');
      const url = part?.['url'];
      if (typeof url !== 'string') throw new Error('no status server: set listenAddress');
      return url;
    },
    waitFor,
    diagnostics: () => describeState(p),
    async close(): Promise<Leftovers> {
      const errors: unknown[] = [];
      const attempt = (work: Promise<unknown>): Promise<unknown> =>
        work.catch((e: unknown) => errors.push(e));
      await attempt(started.close(5_000));
      await attempt(server.stop());
      const processes = await processesUnder(p.dataDir);
      const instanceDirs = await readdir(join(p.dataDir, 'instances')).catch(() => []);
      await attempt(p.proxy.stop());
      await attempt(rm(p.dataDir, { recursive: true, force: true }));
      if (errors.length > 0) throw new AggregateError(errors, 'e2e teardown failed');
      // Sockets close a moment after their servers do.
      let handles = extraHandles(p.baseline);
      for (let i = 0; i < 20 && handles.length > 0; i++) {
        await clock.sleep(100);
        handles = extraHandles(p.baseline);
      }
      return { processes, instanceDirs, handles };
    },
  };
}

function describeState(p: Parts): string {
  const jobs = p.server
    .pipelines()
    .flatMap((pl) =>
      pl.jobs.map(
        (j) => `  #${j.id} ${j.name} ${j.status}${j.awaitingAck ? ' (awaiting ack)' : ''}`,
      ),
    );
  const logs = p.logs.records
    .filter((r) => r.level !== 'debug' && r.level !== 'trace')
    .slice(-80)
    .map((r) => `  ${r.level} ${r.msg} ${JSON.stringify(r.fields)}`);
  const requests = p.proxy.requests
    .slice(-60)
    .map((r) => `  ${r.atMs} ${r.method} ${r.path} ${String(r.status)}`);
  return [
    'jobs:',
    ...jobs,
    `manager: ${JSON.stringify(p.started.manager.status(), null, 1)}`,
    'last log lines:',
    ...logs,
    'last requests:',
    ...requests,
  ].join('\n');
}

/** Processes of this user whose cwd is inside `dir` (job processes left running). */
export async function processesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const cwd = await readlink(`/proc/${pid}/cwd`).catch(() => undefined);
    if (cwd?.startsWith(dir)) found.push(`${pid} (${cwd})`);
  }
  return found;
}
