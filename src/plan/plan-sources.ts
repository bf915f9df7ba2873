/**
 * Where `spotrunner plan` takes its inputs from: the config (or the bundled example), the
 * history (a file, the GitLab API, or a synthetic workload), and the prices (bundled table,
 * `--prices` file, live spot prices).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import type { Clock } from '../platform/clock.js';
import { parseDurationMs } from '../platform/durations.js';
import { UserError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { parseIsoTimeMs } from './history/job-fields.js';
import type { History } from './history/job-record.js';
import { readHistoryFile } from './history/read-history-file.js';
import { generateSyntheticHistory } from './history/synthetic.js';
import { parseSyntheticSpec } from './history/synthetic-spec.js';
import type { FetchFn } from './import/gitlab-http.js';
import { importGitlabHistory } from './import/import-gitlab-history.js';
import { createProgressLine } from './import/progress-line.js';
import { fetchLiveSpotPrices, type SpotPriceSource } from './prices/live-spot-prices.js';
import { loadPriceFile } from './prices/load-prices.js';
import { bundledPriceTable, mergePriceTables, type PriceTable } from './prices/price-table.js';

/** The example `spotrunner plan` runs on a fresh machine (seed 002's fleet and workload). */
export function bundledExample(): { config: string; history: string } {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples');
  return {
    config: join(root, 'plan-seed-002.toml'),
    history: join(root, 'history', 'seed-002.csv'),
  };
}

export interface HistorySourceOptions {
  history?: string;
  synthetic?: string;
  gitlabUrl?: string;
  token?: string;
  tokenEnv?: string;
  project?: string;
  group?: string;
  since?: string;
  cacheDir?: string;
  refresh?: boolean;
}

export interface SourceDeps {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stderr: Writable;
  isTTY: boolean;
  clock: Clock;
  logger: Logger;
  fetch: FetchFn;
}

/** `--since 2026-05-01` or `--since 14d` (that long before now). */
export function parseSince(text: string, nowMs: number): number {
  if (/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return parseIsoTimeMs(text, '--since')!;
  try {
    return nowMs - parseDurationMs(text);
  } catch {
    throw new UserError(`--since ${text}: expected a date (2026-05-01) or a duration (14d)`);
  }
}

function defaultCacheDir(env: SourceDeps['env']): string {
  const base = env['XDG_CACHE_HOME'] ?? (env['HOME'] ? join(env['HOME'], '.cache') : undefined);
  if (!base)
    throw new UserError('no cache directory: set HOME or XDG_CACHE_HOME, or pass --cache-dir');
  return join(base, 'spotrunner', 'history');
}

function tokenFor(deps: SourceDeps, o: HistorySourceOptions): string | undefined {
  if (o.token !== undefined) {
    deps.stderr.write(
      'warning: --token puts the token in your shell history; prefer --token-env NAME\n',
    );
    return o.token;
  }
  const name = o.tokenEnv ?? 'GITLAB_TOKEN';
  const value = deps.env[name];
  if (o.tokenEnv !== undefined && !value)
    throw new UserError(`--token-env ${name}: the variable is not set`);
  return value || undefined;
}

/** Loads the history from exactly one of the sources. */
export async function loadHistory(deps: SourceDeps, o: HistorySourceOptions): Promise<History> {
  const given = [o.history, o.synthetic, o.gitlabUrl].filter((v) => v !== undefined).length;
  if (given > 1) throw new UserError('give only one of --history, --gitlab-url, --synthetic');
  if (o.synthetic !== undefined) return generateSyntheticHistory(parseSyntheticSpec(o.synthetic));
  if (o.history !== undefined) return readHistoryFile(resolve(deps.cwd, o.history));
  if (o.gitlabUrl === undefined)
    throw new UserError('give --history FILE, --gitlab-url URL or --synthetic SPEC');
  if ((o.project === undefined) === (o.group === undefined)) {
    throw new UserError('--gitlab-url needs exactly one of --project or --group');
  }
  const token = tokenFor(deps, o);
  const progress = createProgressLine({
    stream: deps.stderr,
    clock: deps.clock,
    isTTY: deps.isTTY,
  });
  try {
    return await importGitlabHistory(
      {
        fetch: deps.fetch,
        clock: deps.clock,
        logger: deps.logger,
        onProgress: (p) => progress.update(p),
      },
      {
        baseUrl: o.gitlabUrl,
        ...(token ? { token } : {}),
        ...(o.project !== undefined ? { project: o.project } : {}),
        ...(o.group !== undefined ? { group: o.group } : {}),
        ...(o.since !== undefined ? { sinceMs: parseSince(o.since, deps.clock.now()) } : {}),
        cacheDir: o.cacheDir ? resolve(deps.cwd, o.cacheDir) : defaultCacheDir(deps.env),
        refresh: o.refresh ?? false,
      },
    );
  } finally {
    progress.done();
  }
}

export interface PriceSourceOptions {
  prices?: string;
  livePrices?: boolean;
  region: string;
  instanceTypes: readonly string[];
}

/** Bundled table, then `--prices`, then live spot prices for the types in play. */
export async function loadPrices(
  deps: { cwd: string; clock: Clock; spotPrices?: (region: string) => SpotPriceSource },
  o: PriceSourceOptions,
): Promise<PriceTable> {
  let table = bundledPriceTable();
  if (o.prices !== undefined)
    table = mergePriceTables(table, await loadPriceFile(resolve(deps.cwd, o.prices)));
  if (o.livePrices) {
    if (!deps.spotPrices) throw new UserError('--live-prices is not available in this build');
    const live = await fetchLiveSpotPrices(deps.spotPrices(o.region), {
      region: o.region,
      instanceTypes: o.instanceTypes,
      nowMs: deps.clock.now(),
    });
    table = mergePriceTables(table, live);
  }
  return table;
}
