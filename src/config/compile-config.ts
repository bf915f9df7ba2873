import type { LogLevel } from '../platform/logger.js';
import type { RawConfig, RawManager } from './schema.js';
import type { CompiledConfig, CompiledManagerOptions, CompiledRunner } from './types.js';
import { DEFAULTS } from './defaults.js';
import {
  durationOr,
  nonEmpty,
  reportError,
  reportWarning,
  type CompileContext,
} from './compile-context.js';
import { compileRunner } from './compile-runner.js';
import { resolve } from 'node:path';

/** What `config check` warns and `run` refuses for a file without [[runners]]. */
export const NO_RUNNERS =
  'no [[runners]] entries: nothing to run (`spotrunner run` refuses such a file); add one with "spotrunner register"';

const LOG_LEVELS: Record<NonNullable<RawConfig['log_level']>, LogLevel> = {
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  panic: 'fatal',
};

/**
 * Validated raw TOML → CompiledConfig (not yet frozen), with gitlab-runner's defaults and Go's
 * "zero value means default" rule. Problems go to `ctx.errors` / `ctx.warnings`.
 */
export function compileConfig(
  ctx: CompileContext,
  raw: RawConfig,
  absoluteFile: string,
): CompiledConfig {
  if (raw.concurrent === 0) {
    reportError(
      ctx,
      ['concurrent'],
      '0 is forbidden (gitlab-runner exits with a critical error): set the most jobs to run at once, e.g. 10',
    );
  }
  const rawRunners = raw.runners ?? [];
  if (rawRunners.length === 0) {
    reportWarning(ctx, [], NO_RUNNERS);
  }
  const concurrent =
    raw.concurrent === undefined || raw.concurrent === 0 ? DEFAULTS.concurrent : raw.concurrent;
  const runners = rawRunners
    .map((r, i) => compileRunner(ctx, r, i, concurrent))
    .filter((r): r is CompiledRunner => r !== undefined);
  return {
    file: absoluteFile,
    dir: ctx.dir,
    concurrent,
    checkIntervalMs:
      raw.check_interval !== undefined && raw.check_interval > 0
        ? raw.check_interval * 1000
        : DEFAULTS.checkIntervalMs,
    listenAddress: nonEmpty(raw.listen_address),
    shutdownTimeoutMs:
      raw.shutdown_timeout !== undefined && raw.shutdown_timeout > 0
        ? raw.shutdown_timeout * 1000
        : DEFAULTS.shutdownTimeoutMs,
    logLevel: raw.log_level === undefined ? DEFAULTS.logLevel : LOG_LEVELS[raw.log_level],
    logFormat: raw.log_format ?? DEFAULTS.logFormat,
    connectionMaxAgeMs: durationOr(raw.connection_max_age, DEFAULTS.connectionMaxAgeMs),
    runners,
    manager: compileManager(raw.spotrunner ?? {}, ctx.dir),
    warnings: [],
  };
}

/** The top-level `[spotrunner]` table; file paths are relative to the config's directory. */
function compileManager(raw: RawManager, dir: string): CompiledManagerOptions {
  const tokenFile = nonEmpty(raw.dashboard_token_file);
  const pricesFile = nonEmpty(raw.prices_file);
  const priceRegion = nonEmpty(raw.price_region);
  return {
    dashboard: raw.dashboard ?? true,
    ...(tokenFile !== undefined ? { dashboardTokenFile: resolve(dir, tokenFile) } : {}),
    livePrices: raw.live_prices ?? false,
    ...(pricesFile !== undefined ? { pricesFile: resolve(dir, pricesFile) } : {}),
    ...(priceRegion !== undefined ? { priceRegion } : {}),
  };
}
