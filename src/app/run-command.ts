/**
 * `spotrunner run --config FILE`: the always-on manager. SIGQUIT/SIGTERM stop taking jobs and let
 * running ones finish within shutdown_timeout; SIGINT stops at once (running jobs are reported as
 * interrupted); a second signal forces. The config file is watched: policies reload on change.
 * Expiring runner tokens are rotated and saved back to the file (token-rotation.ts).
 */
import { watch, type FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, NO_RUNNERS } from '../config/index.js';
import { SystemClock } from '../platform/clock.js';
import { createLogger, type Logger, type LogLevel } from '../platform/logger.js';
import { ConfigError, describeError, formatConfigIssue } from '../platform/errors.js';
import type { CliContext } from '../cli/cli-context.js';
import { startManager, type StartedManager } from './start-manager.js';
import { startTokenRotation } from './token-rotation.js';

export function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('run the manager: take jobs from GitLab and run them on an autoscaled fleet')
    .requiredOption('-c, --config <file>', 'path to config.toml')
    .option('--log-level <level>', 'override log_level (debug, info, warn, error)')
    .option(
      '--state-dir <dir>',
      'keep state, host keys and the system id here (default: beside config.toml), so the config can be read-only',
    )
    .action(async (opts: { config: string; logLevel?: string; stateDir?: string }) => {
      const file = resolve(ctx.cwd, opts.config);
      const { config, warnings } = await loadConfig(file, { env: ctx.env });
      if (config.runners.length === 0) {
        throw new ConfigError([{ file, message: NO_RUNNERS }]);
      }
      const level = (opts.logLevel ?? config.logLevel) as LogLevel;
      const logger = createLogger({ level, format: config.logFormat === 'json' ? 'json' : 'text' });
      for (const w of warnings) logger.warn({ where: formatConfigIssue(w) }, 'config key ignored');
      const clock = new SystemClock();
      const started = await startManager(
        { clock, logger },
        { config, version: ctx.version, env: ctx.env, ...stateDirOptions(ctx, opts.stateDir) },
      );
      const watcher = watchConfig(file, ctx, started, logger);
      const rotation = startTokenRotation(
        { clock, logger },
        {
          configFile: file,
          runners: started.manager.stacks().map((s) => ({ runner: s.runner, api: s.api })),
        },
      );
      await waitForSignals(ctx, started, config.shutdownTimeoutMs, logger);
      rotation.stop();
      watcher?.close();
    });
}

function stateDirOptions(
  ctx: CliContext,
  dir: string | undefined,
): { stateDir?: string; systemIdDir?: string } {
  if (dir === undefined) return {};
  const stateDir = resolve(ctx.cwd, dir);
  return { stateDir, systemIdDir: stateDir };
}

function watchConfig(
  file: string,
  ctx: CliContext,
  started: StartedManager,
  logger: Logger,
): FSWatcher | undefined {
  let timer: (() => void) | undefined;
  const clock = new SystemClock();
  try {
    return watch(file, () => {
      timer?.();
      timer = clock.schedule(500, () => {
        loadConfig(file, { env: ctx.env })
          .then(({ config }) => {
            started.manager.reload(config);
            logger.info({ file }, 'config reloaded');
          })
          .catch((err: unknown) =>
            logger.error(
              { file, err: describeError(err) },
              'config reload failed; keeping the previous config',
            ),
          );
      });
    });
  } catch (err: unknown) {
    logger.warn(
      { file, err: describeError(err) },
      'cannot watch the config file; reload needs a restart',
    );
    return undefined;
  }
}

function waitForSignals(
  ctx: CliContext,
  started: StartedManager,
  shutdownTimeoutMs: number,
  logger: Logger,
): Promise<void> {
  return new Promise((resolveDone) => {
    let stopping: Promise<void> | undefined;
    const remove = ctx.onSignal((signal) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: forcing shutdown');
        started.manager.abortJobs(`forced shutdown (${signal})`);
        return;
      }
      if (signal === 'SIGINT') {
        logger.info({ signal }, 'stopping now: running jobs are interrupted');
        started.manager.abortJobs('manager interrupted (SIGINT)');
        stopping = started.close(0);
      } else {
        logger.info(
          { signal, graceMs: shutdownTimeoutMs },
          'graceful shutdown: no new jobs, waiting for running ones',
        );
        stopping = started.close(shutdownTimeoutMs);
      }
      stopping
        .catch((err: unknown) => logger.error({ err: describeError(err) }, 'shutdown failed'))
        .finally(() => {
          remove();
          resolveDone();
        });
    });
  });
}
