/**
 * `spotrunner sandbox [DIR]`: try spotrunner with no GitLab and no cloud. Checks its arguments
 * (DIR must be a directory with a .gitlab-ci.yml) before it creates or copies anything, chooses
 * the executor (`instance` unless asked, see cli/sandbox/sandbox-executor.ts), then runs DIR's
 * pipeline (the bundled demo project by default) through cli/sandbox/run-sandbox.ts.
 */
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { parseInputFlags } from '../input-flags.js';
import { UserError } from '../../platform/errors.js';
import { parseDurationMs } from '../../platform/durations.js';
import type { CliContext } from '../cli-context.js';
import { detectDocker } from '../sandbox/detect-docker.js';
import {
  chooseSandboxExecutor,
  SANDBOX_EXECUTOR_FLAGS,
  type SandboxExecutorFlag,
} from '../sandbox/sandbox-executor.js';
import { runSandbox } from '../sandbox/run-sandbox.js';

interface SandboxOptions {
  dataDir?: string;
  executor: SandboxExecutorFlag;
  maxInstances: string;
  idleTime: string;
  bootDelay: string;
  waitScaleDown: boolean;
  keep?: boolean;
  port: string;
  tagList?: string;
  verbose?: boolean;
  input: string[];
}

const DEMO_DIR = fileURLToPath(new URL('../../../examples/demo-project', import.meta.url));

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
      'keep repositories, traces, artifacts and config.toml there (default: a temp dir, removed at the end)',
    )
    .addOption(
      new Option(
        '--executor <name>',
        'instance (jobs in a shell on each instance), docker-autoscaler (jobs in containers; needs a Docker engine and the helper image), or auto (docker-autoscaler when both are there)',
      )
        .choices(SANDBOX_EXECUTOR_FLAGS)
        .default('instance'),
    )
    .option('--max-instances <n>', 'most local instances', '3')
    .option('--idle-time <duration>', 'idle_time of the policy (instances go away after it)', '10s')
    .option('--boot-delay <duration>', 'simulated boot time of a local instance', '2s')
    .option('--tag-list <tags>', "the sandbox runner's tags, comma separated (default: none)")
    .option(
      '--no-wait-scale-down',
      'exit as soon as the pipeline ends, without watching instances go',
    )
    .option(
      '--keep',
      'keep the server and manager running afterwards (see `spotrunner sandbox-ctl`)',
    )
    .option('--port <port>', 'port of the embedded GitLab server (0 = any free port)', '0')
    .option(
      '--input <name=value>',
      "a value for the spec:inputs of DIR's .gitlab-ci.yml (repeatable; numbers, true/false and JSON arrays are read as the input's type)",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option('-v, --verbose', "print the manager's log lines too")
    .action(async (dir: string | undefined, opts: SandboxOptions) => {
      const projectDir = dir ? resolve(ctx.cwd, dir) : DEMO_DIR;
      await checkProjectDir(projectDir);
      const maxInstances = Number(opts.maxInstances);
      if (!Number.isInteger(maxInstances) || maxInstances < 1)
        throw new UserError('--max-instances must be a whole number ≥ 1');
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new UserError(`--port must be a port number (0-65535), got "${opts.port}"`);
      const idleMs = parseDurationMs(opts.idleTime);
      parseDurationMs(opts.bootDelay);
      const inputs = parseInputFlags(opts.input);
      const choice = await chooseSandboxExecutor(opts.executor, () => detectDocker());
      const dataDir = opts.dataDir
        ? resolve(ctx.cwd, opts.dataDir)
        : await mkdtemp(join(tmpdir(), 'spotrunner-sandbox-'));
      await runSandbox(ctx, {
        projectDir,
        dataDir,
        removeDataDir: !opts.dataDir && !opts.keep,
        choice,
        maxInstances,
        idleTime: opts.idleTime,
        idleMs,
        bootDelay: opts.bootDelay,
        waitScaleDown: opts.waitScaleDown,
        keep: opts.keep === true,
        port,
        verbose: opts.verbose === true,
        inputs,
        tagList: (opts.tagList ?? '')
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== ''),
      });
    });
}

/** DIR must be a directory with a .gitlab-ci.yml; a user error otherwise. */
async function checkProjectDir(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new UserError(`project directory ${dir} does not exist`);
  if (!info.isDirectory())
    throw new UserError(`${dir} is not a directory (sandbox takes a project directory)`);
  const ci = await stat(join(dir, '.gitlab-ci.yml')).catch(() => undefined);
  if (!ci?.isFile()) throw new UserError(`${dir} has no .gitlab-ci.yml`);
}
