/**
 * Starts a manager for a loaded config: system id, host-key pins and state beside the config,
 * leftover jobs of a crashed run settled, runners started, then the manager's parts (state
 * recording, orphan reconcile, status server on listen_address; for `run` token rotation and the
 * config watcher). Shared by `spotrunner run` and `spotrunner sandbox`; `close()` is the
 * manager's stop, the one place that stops them all.
 */
import { join } from 'node:path';
import { loadOrCreateSystemId } from '../config/index.js';
import type { CompiledConfig } from '../config/types.js';
import { createHostKeyStore } from '../connect/index.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { describeError } from '../platform/errors.js';
import { createApiCallCounts } from '../platform/api-call-counts.js';
import { createGitLabClient, type RunnerApi } from '../gitlab/index.js';
import { createManager, type Manager } from '../manager/manager.js';
import { buildRunnerStack } from './build-runner.js';
import { buildManagerParts } from '../manager/manager-parts.js';
import { createHistory } from '../manager/history/history-part.js';
import { openHistoryLog } from '../manager/history/history-log.js';
import { createPart, type ManagerPart } from '../manager/parts.js';
import { createPriceBook } from '../manager/live-prices.js';
import type { PreexistingPolicy } from '../fleet/index.js';
import type { PriceTable } from '../plan/prices/price-table.js';
import { settleLeftoverJobs, type LeftoverResult } from '../manager/settle-leftovers.js';
import { openStateStore, type StateStore } from '../manager/state/state-store.js';

export interface StartedManager {
  manager: Manager;
  store: StateStore;
  systemId: string;
  /** The manager's current price table (bundled ← prices_file ← live spot prices). */
  prices: () => PriceTable;
  /** Stops the manager: its parts and runners, in order (Manager.stop). */
  close(graceMs: number): Promise<void>;
}

export interface StartManagerOptions {
  config: CompiledConfig;
  version: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Where state and host keys live; default `<config dir>/.spotrunner`. */
  stateDir?: string;
  /** Where `.runner_system_id` lives; default the config's directory (as gitlab-runner). */
  systemIdDir?: string;
  awsEndpoint?: string;
  /** Start the status server when the config has listen_address (default true). */
  statusServer?: boolean;
  /** How often orphaned aws instances are looked for (also once at start); default 5 min. */
  orphanCheckIntervalMs?: number;
  /**
   * `spotrunner run`: the config file it loaded. It is watched (policies reload on change) and
   * expiring runner tokens are rotated and saved back to it.
   */
  configFile?: string;
  /** More parts for the manager to own (the sandbox's container relay). */
  parts?: readonly ManagerPart[];
}

export async function startManager(
  deps: { clock: Clock; logger: Logger },
  options: StartManagerOptions,
): Promise<StartedManager> {
  const { config } = options;
  const stateDir = options.stateDir ?? join(config.dir, '.spotrunner');
  const { systemId, warning } = await loadOrCreateSystemId(options.systemIdDir ?? config.dir);
  if (warning) deps.logger.warn({}, warning);
  const hostKeys = await createHostKeyStore(deps, { path: join(stateDir, 'known-hosts.json') });
  const stateFile =
    config.runners.find((r) => r.spotrunner.stateFile)?.spotrunner.stateFile ??
    join(stateDir, 'state.json');
  const store = await openStateStore(deps, stateFile);
  await store.save(); // an unwritable state file shows at once (logged, and in /health)
  const untrusted = new Set(
    Object.values(store.state.runners).flatMap((r) =>
      Object.values(r.jobs).flatMap((j) => (j.instanceId ? [j.instanceId] : [])),
    ),
  );
  const history = createHistory(deps, openHistoryLog({ dir: join(stateDir, 'history') }));
  const leftovers = leftoversPart(deps, options, systemId, store);
  const env = options.env;
  // Every AWS client the runners build counts its calls here; /metrics reads it.
  const apiCalls = createApiCallCounts();
  const prices = await createPriceBook(deps, config.manager);
  const manager = createManager(
    {
      ...deps,
      hostKeys,
      journal: store.journal(),
      jobLogFile: (runnerName, jobId) => store.jobLogFile(runnerName, jobId),
      heldRemovals: (runnerName, groupName) => store.heldRemovals(runnerName, groupName),
      recorder: history.recorder,
      buildStack: (d, c, r) => buildRunnerStack({ ...d, apiCalls }, c, r),
      parts: (m) =>
        buildManagerParts(
          deps,
          {
            config,
            systemId,
            store,
            stateFile,
            hostKeys,
            statusServer: options.statusServer !== false,
            env,
            history,
            apiCalls,
            prices,
            ...(options.orphanCheckIntervalMs !== undefined
              ? { orphanCheckIntervalMs: options.orphanCheckIntervalMs }
              : {}),
            ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
            extra: [leftovers, ...(options.parts ?? [])],
          },
          m,
        ),
    },
    {
      config,
      systemId,
      version: options.version,
      localEnv: Object.fromEntries(
        (['PATH', 'LANG', 'LC_ALL', 'TMPDIR'] as const).flatMap((k) =>
          env[k] ? [[k, env[k]]] : [],
        ),
      ),
      ...(options.awsEndpoint ? { awsEndpoint: options.awsEndpoint } : {}),
      preexistingFor: (runnerName) => adoptionPolicy(store, runnerName, untrusted, deps.logger),
    },
  );
  await manager.start();
  return {
    manager,
    store,
    systemId,
    prices: () => prices.current(),
    close: (graceMs) => manager.stop({ graceMs }),
  };
}

/**
 * Settling the jobs a previous run left, as a part: started with the others (beside the
 * runners, so an unreachable GitLab or a slow final update does not hold up start), stopped
 * before the runners drain. Never rejects; a job not settled stays in the state file.
 */
function leftoversPart(
  deps: { clock: Clock; logger: Logger },
  options: StartManagerOptions,
  systemId: string,
  store: StateStore,
): ManagerPart {
  const abort = new AbortController();
  let settled: Promise<LeftoverResult | undefined> = Promise.resolve(undefined);
  let result: LeftoverResult | undefined;
  let pending = false;
  return createPart('leftovers', {
    start: () => {
      pending = true;
      settled = settleInBackground(deps, options, systemId, store, abort.signal).then((r) => {
        pending = false;
        result = r;
        return r;
      });
    },
    stop: async () => {
      abort.abort(new Error('manager stopping'));
      await settled;
    },
    status: () => ({
      settling: pending,
      ...(result
        ? {
            failed: result.failed.length,
            resent: result.resent.length,
            gone: result.gone.length,
            notSettled: result.errors.length,
          }
        : {}),
    }),
  });
}

/** Settles the jobs a previous run left; never rejects. */
function settleInBackground(
  deps: { clock: Clock; logger: Logger },
  options: StartManagerOptions,
  systemId: string,
  store: StateStore,
  signal: AbortSignal,
): Promise<LeftoverResult | undefined> {
  const { config } = options;
  const leftovers = Object.values(store.state.runners).reduce(
    (n, r) => n + Object.keys(r.jobs).length,
    0,
  );
  if (leftovers === 0) return Promise.resolve(undefined);
  deps.logger.warn({ jobs: leftovers }, 'settling jobs left running by a previous run');
  const apiFor = (name: string): RunnerApi | undefined => {
    const runner = config.runners.find((r) => r.name === name && r.url && r.token);
    return runner
      ? createGitLabClient(deps, {
          url: runner.url,
          token: runner.token,
          systemId,
          info: { version: options.version, executor: runner.executor },
        })
      : undefined;
  };
  return settleLeftoverJobs({ ...deps, apiFor }, store, { signal }).catch((err: unknown) => {
    deps.logger.error({ err: describeError(err) }, 'settling leftover jobs failed');
    return undefined;
  });
}

/**
 * A restarted manager adopts the instances its state file knows, with their use counts, unless a
 * job was running there when the previous run died (its processes may still be going); every
 * other instance found at start is removed, as gitlab-runner does without state storage.
 */
function adoptionPolicy(
  store: StateStore,
  runnerName: string,
  untrusted: ReadonlySet<string>,
  logger: Logger,
): PreexistingPolicy {
  const known = store.state.runners[runnerName]?.instances ?? {};
  return (id) => {
    const rec = known[id];
    if (rec && !untrusted.has(id)) {
      logger.info(
        { runner: runnerName, instanceId: id, useCount: rec.useCount },
        'adopting instance from the previous run',
      );
      return { adopt: true, useCount: rec.useCount };
    }
    logger.warn(
      {
        runner: runnerName,
        instanceId: id,
        reason: rec ? 'a job was running on it' : 'not in the state file',
      },
      'not adopting instance',
    );
    return { adopt: false };
  };
}
