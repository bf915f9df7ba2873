/**
 * `spotrunner run --config FILE`: the always-on manager (src/manager/). It watches the config
 * file, rotates expiring runner tokens, and stops on SIGQUIT/SIGTERM (graceful) or SIGINT (at
 * once); see app/close-on-signals.ts.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, NO_RUNNERS } from '../../config/index.js';
import { SystemClock } from '../../platform/clock.js';
import { createLogger, type LogLevel } from '../../platform/logger.js';
import { ConfigError, formatConfigIssue } from '../../platform/errors.js';
import type { CliContext } from '../cli-context.js';
import { startManager } from '../../app/start-manager.js';
import { closeOnSignals } from '../../app/close-on-signals.js';

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
      const started = await startManager(
        { clock: new SystemClock(), logger },
        {
          config,
          version: ctx.version,
          env: ctx.env,
          configFile: file,
          ...stateDirOptions(ctx, opts.stateDir),
        },
      );
      await closeOnSignals(
        { logger, onSignal: (h) => ctx.onSignal(h) },
        started,
        config.shutdownTimeoutMs,
      );
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
