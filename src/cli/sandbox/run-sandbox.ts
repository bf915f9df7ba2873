/**
 * One `spotrunner sandbox` run: the embedded GitLab-compatible server, a runner, the manager with
 * a `local` fleet, the project's pipeline, live progress, the summary, and an orderly stop — at
 * the end, on Ctrl-C (jobs canceled, after_script runs) or at once on a second signal. A data
 * dir the sandbox made itself is removed at the end.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../config/index.js';
import { SystemClock, type Clock } from '../../platform/clock.js';
import { createLogger, type Logger } from '../../platform/logger.js';
import { formatDurationMs } from '../../platform/durations.js';
import {
  createSandboxServer,
  formatPipeline,
  isPipelineFinished,
  type ProjectView,
  type SandboxServer,
} from '../../sandbox/index.js';
import { println, type CliContext } from '../cli-context.js';
import { startManager, type StartedManager } from '../../app/start-manager.js';
import { sandboxConfigToml } from './sandbox-config.js';
import { createSandboxProgress, type SandboxProgress } from './sandbox-progress.js';
import { startContainerRelay, type ContainerRelay } from './container-relay.js';
import { containerRelayPart } from './container-relay-part.js';
import type { SandboxExecutorChoice } from './sandbox-executor.js';
import { failedJobTails, stuckHint, writeTraces } from './sandbox-report.js';
import {
  allowSearch,
  grantDirToJobUser,
  resolveLocalJobUser,
} from '../../providers/local/index.js';
import { watchSandboxInterrupt, whenAborted, type SandboxInterrupt } from './sandbox-interrupt.js';

export interface SandboxRunOptions {
  projectDir: string;
  dataDir: string;
  /** The data dir is the sandbox's own temp dir: removed at the end. */
  removeDataDir: boolean;
  choice: SandboxExecutorChoice;
  maxInstances: number;
  idleTime: string;
  idleMs: number;
  bootDelay: string;
  waitScaleDown: boolean;
  keep: boolean;
  port: number;
  verbose: boolean;
  /** Tags of the sandbox runner (it also runs untagged jobs). */
  tagList: readonly string[];
  /** `--input name=value`: values for the spec:inputs of `.gitlab-ci.yml`. */
  inputs?: Record<string, string>;
}

/** After the first signal, jobs have this long to cancel before they are cut off. */
export const INTERRUPT_GRACE_MS = 6_000;

interface Parts {
  relay?: ContainerRelay;
  server?: SandboxServer;
  started?: StartedManager;
  progress?: SandboxProgress;
}

interface RunDeps {
  ctx: CliContext;
  clock: Clock;
  logger: Logger;
  out: (line: string) => void;
  interrupt: SandboxInterrupt;
}

export async function runSandbox(ctx: CliContext, o: SandboxRunOptions): Promise<void> {
  const clock = new SystemClock();
  const out = (line: string): void => println(ctx.stdout, line);
  const interrupt = watchSandboxInterrupt(
    { clock, onSignal: ctx.onSignal, out },
    { graceMs: INTERRUPT_GRACE_MS },
  );
  const parts: Parts = {};
  try {
    const logger = createLogger({ level: o.verbose ? 'info' : 'warn', format: 'text' });
    await run({ ctx, clock, logger, out, interrupt }, o, parts);
  } finally {
    await stopParts(parts, interrupt);
    if (o.removeDataDir) {
      await rm(o.dataDir, { recursive: true, force: true });
      out(`sandbox: removed ${o.dataDir} (--data-dir DIR keeps traces, artifacts and config)`);
    }
    const code = interrupt.exitCode();
    if (code !== undefined) ctx.setExitCode(code);
    interrupt.dispose();
  }
}

async function run(deps: RunDeps, o: SandboxRunOptions, parts: Parts): Promise<void> {
  const { ctx, out, interrupt } = deps;
  await mkdir(o.dataDir, { recursive: true });
  await openDataDirToJobs(o.dataDir, deps.logger);
  const { server, url, project, runnerToken } = await startServer(deps, o, parts);
  if (interrupt.requested.aborted) return;
  const started = await startFleet(deps, o, parts, { server, url, runnerToken });
  if (interrupt.requested.aborted) return;

  const inputs = o.inputs ?? {};
  const pipeline = await server.createPipeline(
    project.id,
    Object.keys(inputs).length > 0 ? { inputs } : {},
  );
  if (interrupt.requested.aborted) cancelPipelines(server, false); // signal while creating it
  out(
    `sandbox: project ${project.path}, pipeline #${pipeline.id} with ${pipeline.jobs.length} job(s)`,
  );
  await waitForPipelines(server, pipeline.id, interrupt.forced);
  if (interrupt.forced.aborted) await settleCutOffJobs(server, started);
  const done = server.pipeline(pipeline.id) ?? pipeline;
  parts.progress?.flush();
  out('');
  out(formatPipeline(done));
  for (const line of [...failedJobTails(server, done), ...stuckHint(done, o.tagList)]) out(line);
  if (!o.removeDataDir)
    out(`\ntraces: ${await writeTraces(server, done, join(o.dataDir, 'traces'))}`);
  if (interrupt.requested.aborted) {
    out(`sandbox: pipeline ${done.status} (interrupted)`);
    return;
  }
  if (o.waitScaleDown) {
    out(`sandbox: waiting for instances to go after idle_time ${formatDurationMs(o.idleMs)}…`);
    await parts.progress?.waitForNoInstances(o.idleMs + 60_000, interrupt.requested);
  }
  ctx.setExitCode(done.status === 'success' ? 0 : 1);
  out(`sandbox: pipeline ${done.status}${done.status === 'success' ? '' : ' (exit code 1)'}`);
  if (o.keep && !interrupt.requested.aborted) {
    out(
      `sandbox: still running; e.g. \`spotrunner sandbox-ctl --url ${url} run ${project.id}\`. Ctrl-C stops.`,
    );
    await new Promise<void>((resolve) => whenAborted(interrupt.requested, resolve));
    await waitForPipelines(server, undefined, interrupt.forced);
    if (interrupt.forced.aborted) await settleCutOffJobs(server, started);
  }
}

/**
 * Local instances run jobs as an unprivileged user when the sandbox runs as root (see the local
 * provider): it must reach its instance directory in the data dir and write the shared cache.
 */
async function openDataDirToJobs(dataDir: string, logger: Logger): Promise<void> {
  const user = await resolveLocalJobUser(logger);
  if (!user.switched) return;
  await allowSearch(dataDir);
  await grantDirToJobUser(join(dataDir, 'cache'), user);
}

/** The embedded server (behind a relay for containers), the project and the runner. */
async function startServer(
  deps: RunDeps,
  o: SandboxRunOptions,
  parts: Parts,
): Promise<{ server: SandboxServer; url: string; project: ProjectView; runnerToken: string }> {
  const { clock, out } = deps;
  const executor = o.choice.executor;
  // Jobs in containers reach the embedded GitLab through the Docker bridge, not 127.0.0.1.
  const relay = executor === 'docker-autoscaler' ? await startContainerRelay() : undefined;
  parts.relay = relay;
  const server = createSandboxServer(
    { clock, logger: deps.logger.child({ component: 'sandbox' }) },
    {
      dataDir: join(o.dataDir, 'gitlab'),
      port: o.port,
      longPollMs: 2_000,
      traceUpdateIntervalS: 1,
      dropStuckJobs: true,
      ...(relay ? { externalUrl: relay.url } : {}),
    },
  );
  parts.server = server;
  const { listenUrl: url } = await server.start();
  relay?.setTarget(Number(new URL(url).port));
  out(
    `sandbox: GitLab-compatible server at ${url}${relay ? ` (containers use ${relay.url})` : ''} (data in ${o.dataDir})`,
  );
  out(`sandbox: executor ${executor} (${o.choice.reason})`);
  const project = await server.createProject({ sourceDir: o.projectDir });
  const runner = server.createRunner({
    description: `spotrunner sandbox (${executor})`,
    runUntagged: true,
    tags: [...o.tagList],
  });
  return { server, url, project, runnerToken: runner.token };
}

/** config.toml for the runner, the manager with its local fleet, and the progress lines. */
async function startFleet(
  deps: RunDeps,
  o: SandboxRunOptions,
  parts: Parts,
  gitlab: { server: SandboxServer; url: string; runnerToken: string },
): Promise<StartedManager> {
  const { ctx, clock, out, interrupt, logger } = deps;
  const { server } = gitlab;
  const configFile = join(o.dataDir, 'config.toml');
  await writeFile(
    configFile,
    sandboxConfigToml({
      url: gitlab.url,
      token: gitlab.runnerToken,
      executor: o.choice.executor,
      ...(parts.relay ? { cloneUrl: parts.relay.url } : {}),
      instancesDir: join(o.dataDir, 'instances'),
      cacheDir: join(o.dataDir, 'cache'),
      maxInstances: o.maxInstances,
      idleTime: o.idleTime,
      bootDelay: o.bootDelay,
    }),
    { mode: 0o600 },
  );
  const { config } = await loadConfig(configFile, { env: ctx.env });
  out(
    `sandbox: runner "${config.runners[0]?.name ?? ''}" on local instances (config: ${configFile})`,
  );
  const started = await startManager(
    { clock, logger },
    {
      config,
      version: ctx.version,
      env: ctx.env,
      stateDir: join(o.dataDir, 'state'),
      // The manager stops the relay once the runners are done.
      ...(parts.relay ? { parts: [containerRelayPart(parts.relay)] } : {}),
    },
  );
  parts.started = started;
  whenAborted(interrupt.requested, () => cancelPipelines(server, false));
  whenAborted(interrupt.forced, () => started.manager.abortJobs('sandbox stopped'));
  parts.progress = createSandboxProgress({ clock, server, manager: started.manager, out });
  return started;
}

/**
 * Cancels everything unfinished: gracefully (GitLab's cancel: running jobs go `canceling` and run
 * their after_script), or by force once the manager has cut the jobs off.
 */
function cancelPipelines(server: SandboxServer, force: boolean): void {
  for (const p of server.pipelines())
    if (!isPipelineFinished(p.status)) server.cancelPipeline(p.id, { force });
}

/**
 * After a forced stop: the manager stops (the cut-off jobs report what they can), then whatever
 * is still unfinished is canceled on the server, so the summary shows where everything ended.
 */
async function settleCutOffJobs(server: SandboxServer, started: StartedManager): Promise<void> {
  await started.manager.stop({ graceMs: 0 });
  cancelPipelines(server, true);
}

/** Resolves when the pipeline (or, without an id, every pipeline) has finished, or on abort. */
function waitForPipelines(
  server: SandboxServer,
  id: number | undefined,
  signal: AbortSignal,
): Promise<void> {
  const settled = (): boolean =>
    signal.aborted ||
    server
      .pipelines()
      .every((p) => (id !== undefined && p.id !== id) || isPipelineFinished(p.status));
  return new Promise((resolve) => {
    if (settled()) return resolve();
    const check = (): void => {
      if (!settled()) return;
      unsubscribe();
      signal.removeEventListener('abort', check);
      resolve();
    };
    const unsubscribe = server.onChange(check);
    signal.addEventListener('abort', check, { once: true });
  });
}

/** Stops what was started, newest first; cut off at once when the stop was forced. */
async function stopParts(parts: Parts, interrupt: SandboxInterrupt): Promise<void> {
  parts.progress?.stop();
  if (interrupt.forced.aborted) parts.started?.manager.abortJobs('sandbox stopped');
  await parts.started?.close(interrupt.requested.aborted ? 0 : 10_000);
  await parts.server?.stop();
  if (!parts.started) await parts.relay?.stop(); // otherwise the manager stopped it
}
