/**
 * `spotrunner sandbox [DIR]`: try spotrunner with no GitLab and no cloud. Starts the embedded
 * GitLab-compatible server, registers a runner, starts the manager with a `local` fleet (shell
 * executor, or Docker when an engine and the helper image are there), runs DIR's .gitlab-ci.yml
 * (the bundled demo project by default), shows jobs and instances as they change, prints the
 * result and where the traces are, and exits non-zero when the pipeline fails.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { SystemClock } from '../platform/clock.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { UserError } from '../platform/errors.js';
import { formatDurationMs, parseDurationMs } from '../platform/durations.js';
import { createSandboxServer, formatPipeline } from '../sandbox/index.js';
import { println, type CliContext } from '../cli/cli-context.js';
import { startManager } from './start-manager.js';
import { sandboxConfigToml } from './sandbox-config.js';
import { createSandboxProgress } from './sandbox-progress.js';
import { detectDocker } from './detect-docker.js';
import { startContainerRelay } from './container-relay.js';
import { allowSearch, grantDirToJobUser, resolveLocalJobUser } from '../providers/local/index.js';

interface SandboxOptions {
  dataDir?: string;
  executor: 'auto' | 'instance' | 'docker-autoscaler';
  maxInstances: string;
  idleTime: string;
  bootDelay: string;
  waitScaleDown: boolean;
  keep?: boolean;
  port: string;
  verbose?: boolean;
}

const DEMO_DIR = fileURLToPath(new URL('../../examples/demo-project', import.meta.url));

export function registerSandboxCommand(program: Command, ctx: CliContext): void {
  program
    .command('sandbox')
    .description(
      "run a project's .gitlab-ci.yml through spotrunner with an embedded GitLab and local instances",
    )
    .argument(
      '[dir]',
      'project directory with a .gitlab-ci.yml (default: the bundled demo project)',
    )
    .option(
      '--data-dir <dir>',
      'where the server keeps repositories, traces and artifacts (default: a new temp dir)',
    )
    .option('--executor <name>', 'auto, instance or docker-autoscaler', 'auto')
    .option('--max-instances <n>', 'most local instances', '3')
    .option('--idle-time <duration>', 'idle_time of the policy (instances go away after it)', '10s')
    .option('--boot-delay <duration>', 'simulated boot time of a local instance', '2s')
    .option(
      '--no-wait-scale-down',
      'exit as soon as the pipeline ends, without watching instances go',
    )
    .option(
      '--keep',
      'keep the server and manager running afterwards (see `spotrunner sandbox-ctl`)',
    )
    .option('--port <port>', 'port of the embedded GitLab server (0 = any free port)', '0')
    .option('-v, --verbose', "print the manager's log lines too")
    .action(async (dir: string | undefined, opts: SandboxOptions) => runSandbox(ctx, dir, opts));
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

async function runSandbox(
  ctx: CliContext,
  dir: string | undefined,
  opts: SandboxOptions,
): Promise<void> {
  const projectDir = dir ? resolve(ctx.cwd, dir) : DEMO_DIR;
  const maxInstances = Number(opts.maxInstances);
  if (!Number.isInteger(maxInstances) || maxInstances < 1)
    throw new UserError('--max-instances must be a whole number ≥ 1');
  const idleMs = parseDurationMs(opts.idleTime);
  parseDurationMs(opts.bootDelay);
  const dataDir = opts.dataDir
    ? resolve(ctx.cwd, opts.dataDir)
    : await mkdtemp(join(tmpdir(), 'spotrunner-sandbox-'));
  await mkdir(dataDir, { recursive: true });
  const clock = new SystemClock();
  const logger = createLogger({ level: opts.verbose ? 'info' : 'warn', format: 'text' });
  const out = (line: string): void => println(ctx.stdout, line);

  const executor =
    opts.executor === 'auto'
      ? (await detectDocker())
        ? 'docker-autoscaler'
        : 'instance'
      : opts.executor;
  await openDataDirToJobs(dataDir, logger);
  // Jobs in containers reach the embedded GitLab through the Docker bridge, not 127.0.0.1.
  const relay = executor === 'docker-autoscaler' ? await startContainerRelay() : undefined;
  const server = createSandboxServer(
    { clock, logger: logger.child({ component: 'sandbox' }) },
    {
      dataDir: join(dataDir, 'gitlab'),
      port: Number(opts.port) || 0,
      longPollMs: 2_000,
      traceUpdateIntervalS: 1,
      ...(relay ? { externalUrl: relay.url } : {}),
    },
  );
  const { listenUrl: url } = await server.start();
  relay?.setTarget(Number(new URL(url).port));
  out(
    `sandbox: GitLab-compatible server at ${url}${relay ? ` (containers use ${relay.url})` : ''} (data in ${dataDir})`,
  );
  const project = await server.createProject({ sourceDir: projectDir });
  const runner = server.createRunner({
    description: `spotrunner sandbox (${executor})`,
    runUntagged: true,
  });
  const configFile = join(dataDir, 'config.toml');
  await writeFile(
    configFile,
    sandboxConfigToml({
      url,
      token: runner.token,
      executor,
      ...(relay ? { cloneUrl: relay.url } : {}),
      instancesDir: join(dataDir, 'instances'),
      cacheDir: join(dataDir, 'cache'),
      maxInstances,
      idleTime: opts.idleTime,
      bootDelay: opts.bootDelay,
    }),
    { mode: 0o600 },
  );
  const { config } = await loadConfig(configFile, { env: ctx.env });
  out(
    `sandbox: runner "${config.runners[0]?.name ?? ''}" with ${executor} executor on local instances (config: ${configFile})`,
  );
  const started = await startManager(
    { clock, logger },
    { config, version: ctx.version, env: ctx.env, stateDir: join(dataDir, 'state') },
  );
  let keepWaiter: (() => void) | undefined;
  const stop = ctx.onSignal(() => {
    if (keepWaiter) {
      keepWaiter();
      return;
    }
    out('sandbox: interrupted; stopping');
    started.manager.abortJobs('sandbox interrupted');
    void started.close(0).then(() => server.stop());
  });
  const progress = createSandboxProgress({ clock, server, manager: started.manager, out });
  try {
    const pipeline = await server.createPipeline(project.id);
    out(
      `sandbox: project ${project.path}, pipeline #${pipeline.id} with ${pipeline.jobs.length} job(s)`,
    );
    const done = await server.waitForPipeline(pipeline.id, { timeoutMs: 30 * 60_000 });
    progress.flush();
    out('');
    out(formatPipeline(done));
    const traceDir = join(dataDir, 'traces');
    await mkdir(traceDir, { recursive: true });
    for (const job of done.jobs) {
      const text = server.trace(job.id);
      if (text !== undefined)
        await writeFile(
          join(traceDir, `${job.id}-${job.name.replace(/[^\w.-]+/g, '_')}.log`),
          text,
        );
    }
    out(`\ntraces: ${traceDir}`);
    if (opts.waitScaleDown) {
      out(`sandbox: waiting for instances to go after idle_time ${formatDurationMs(idleMs)}…`);
      await progress.waitForNoInstances(idleMs + 60_000);
    }
    ctx.setExitCode(done.status === 'success' ? 0 : 1);
    out(`sandbox: pipeline ${done.status}${done.status === 'success' ? '' : ' (exit code 1)'}`);
    if (opts.keep) {
      out(
        `sandbox: still running; e.g. \`spotrunner sandbox-ctl --url ${url} run ${project.id}\`. Ctrl-C stops.`,
      );
      await new Promise<void>((resolve) => (keepWaiter = resolve));
    }
  } finally {
    progress.stop();
    stop();
    await started.close(10_000);
    await server.stop();
    await relay?.stop();
  }
}
