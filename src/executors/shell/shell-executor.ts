/**
 * The `instance` executor: a shell over an InstanceConnection. Each stage is a generated bash
 * script sent on stdin to `bash -s` on the instance (SSH for autoscaled and static hosts, a
 * local process for `executor = "shell"`). Needs bash, git, curl, zip/unzip, gzip and
 * coreutils on the instance.
 */
import type { Clock } from '../../platform/clock.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { ExecutionContext, Executor, JobOutcome } from '../executor.js';
import { finishJob, systemFailure } from '../job-failure.js';
import { JobRun, type JobRunOptions } from './job-run.js';

export interface ShellExecutorDeps {
  logger: Logger;
  clock: Clock;
}

export interface ShellExecutorOptions {
  /** Shown as `Preparing the "<name>" executor`; default `instance`. */
  name?: 'instance' | 'shell';
  /** spotrunner's version and revision for the trace header and CI_RUNNER_VERSION. */
  version?: string;
  revision?: string;
  /** Builds root when the runner has no `builds_dir`; relative = below where commands start. */
  buildsDir?: string;
  /** Local cache root when the runner has no `cache_dir`. */
  cacheDir?: string;
  /** TERM → KILL grace when stopping a stage (default 10 s). */
  killGraceMs?: number;
  /** Wait for a stopped stage's exec to end before closing it (default 5 s). */
  settleMs?: number;
  /** after_script timeout unless RUNNER_AFTER_SCRIPT_TIMEOUT says otherwise (default 5 min). */
  afterScriptTimeoutMs?: number;
  /** Time allowed for cleanup_file_variables (default 1 min). */
  cleanupTimeoutMs?: number;
  /** The command that reads a stage script on stdin (default `bash -s`). */
  shellCommand?: string;
}

export function createShellExecutor(
  deps: ShellExecutorDeps,
  options: ShellExecutorOptions = {},
): Executor {
  const name = options.name ?? 'instance';
  const logger = deps.logger.child({ component: 'executor', executor: name });
  return {
    name,
    async run(ctx: ExecutionContext): Promise<JobOutcome> {
      const runOptions: JobRunOptions = {
        executorName: name,
        version: options.version ?? 'dev',
        revision: options.revision ?? 'unknown',
        buildsDir: ctx.runner.buildsDir ?? options.buildsDir ?? 'builds',
        cacheDir: ctx.runner.cacheDir ?? options.cacheDir ?? 'cache',
        killGraceMs: options.killGraceMs ?? 10_000,
        settleMs: options.settleMs ?? 5_000,
        afterScriptTimeoutMs: options.afterScriptTimeoutMs ?? 300_000,
        cleanupTimeoutMs: options.cleanupTimeoutMs ?? 60_000,
        shellCommand: options.shellCommand ?? 'bash -s',
      };
      try {
        return await new JobRun({ clock: deps.clock, logger }, ctx, runOptions).run();
      } catch (err: unknown) {
        logger.error({ job: ctx.job.id, err: describeError(err) }, 'executor failed');
        return finishJob(ctx.trace, systemFailure(describeError(err)));
      }
    },
  };
}
