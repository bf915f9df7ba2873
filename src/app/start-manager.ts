/**
 * Starts a manager for a loaded config: system id, host-key pins and state beside the config,
 * leftover jobs of a crashed run settled, runners started, status server on listen_address.
 * Shared by `spotrunner run` and `spotrunner sandbox`.
 */
import { join } from 'node:path';
import { loadOrCreateSystemId } from '../config/index.js';
import type { CompiledConfig } from '../config/types.js';
import { createHostKeyStore } from '../connect/index.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { describeError } from '../platform/errors.js';
import { createGitLabClient, type RunnerApi } from '../gitlab/index.js';
import { createManager, type Manager } from './manager.js';
import type { PreexistingPolicy } from '../fleet/index.js';
import { settleLeftoverJobs, type LeftoverResult } from './settle-leftovers.js';
import { openStateStore, type StateStore } from './state/state-store.js';
import { startStatusServer, type StatusServer } from './status-server.js';
import {
  startOrphanReconciler,
  type OrphanReconciler,
  type OrphanScope,
} from './orphan-reconcile.js';

export interface StartedManager {
  manager: Manager;
  store: StateStore;
  status?: StatusServer;
  /** Present when some runner drives an aws group. */
  orphans?: OrphanReconciler;
  systemId: string;
  /**
   * Resolves when the jobs a previous run left are settled (undefined: there were none). Runs
   * beside the runners, so an unreachable GitLab or a slow final update does not hold up start.
   */
  leftoversSettled: Promise<LeftoverResult | undefined>;
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

  const untrusted = new Set(
    Object.values(store.state.runners).flatMap((r) =>
      Object.values(r.jobs).flatMap((j) => (j.instanceId ? [j.instanceId] : [])),
    ),
  );
  const settling = new AbortController();
  const leftoversSettled = settleInBackground(deps, options, systemId, store, settling.signal);
  const env = options.env;
  const manager = createManager(
    { ...deps, hostKeys, journal: store.journal() },
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
  const recordTimer = startRecordingInstances(deps.clock, store, manager);
  const orphans = startOrphans(deps, config, manager, systemId, options.orphanCheckIntervalMs);
  let status: StatusServer | undefined;
  if (config.listenAddress && options.statusServer !== false) {
    status = await startStatusServer(deps, manager, config.listenAddress).catch((err: unknown) => {
      deps.logger.error(
        { listenAddress: config.listenAddress, err: describeError(err) },
        'status server failed to start',
      );
      return undefined;
    });
  }
  return {
    manager,
    store,
    ...(status ? { status } : {}),
    ...(orphans ? { orphans } : {}),
    systemId,
    leftoversSettled,
    async close(graceMs: number): Promise<void> {
      orphans?.stop();
      settling.abort(new Error('manager stopping'));
      await leftoversSettled;
      await manager.stop({ graceMs });
      recordTimer.stop();
      await status?.stop();
      await store.flush();
      await hostKeys.flush();
    },
  };
}

/** Settles the jobs a previous run left, beside the runners; never rejects. */
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

/** Orphan reconcile over every aws runner (running or not), when there is one. */
function startOrphans(
  deps: { clock: Clock; logger: Logger },
  config: CompiledConfig,
  manager: Manager,
  managerName: string,
  intervalMs = 5 * 60_000,
): OrphanReconciler | undefined {
  const usesAws = config.runners.some(
    (r) => r.autoscaler?.providerKind === 'aws' || r.spotrunner.fallback?.providerKind === 'aws',
  );
  if (!usesAws) return undefined;
  const scopes = (): OrphanScope[] =>
    config.runners.map((runner) => {
      const stack = manager.stacks().find((s) => s.runner.name === runner.name);
      return {
        runnerName: runner.name,
        orphanGraceMs: runner.spotrunner.orphanGraceMs,
        awsGroups: stack?.awsGroups ?? [],
        knownIds: () => stack?.fleet.status().instances.map((i) => i.id) ?? [],
        running: stack !== undefined,
      };
    });
  return startOrphanReconciler({ ...deps, managerName, scopes }, { intervalMs });
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

/** Writes every runner's instances (ids and use counts) to the state file every few seconds. */
function startRecordingInstances(
  clock: Clock,
  store: StateStore,
  manager: Manager,
  everyMs = 5_000,
): { stop(): void } {
  let cancel = (): void => undefined;
  const record = (): void => {
    for (const r of manager.status().runners) {
      if (!r.fleet) continue;
      store.recordInstances(
        r.name,
        r.fleet.instances
          .filter((i) => i.status !== 'removing')
          .map((i) => ({
            id: i.id,
            useCount: i.useCount,
            hadJobs: i.slotsInUse > 0,
            ...(i.launchedAtMs !== undefined ? { createdAtMs: i.launchedAtMs } : {}),
            ...(i.idleSinceMs !== undefined ? { lastUsedAtMs: i.idleSinceMs } : {}),
          })),
      );
    }
  };
  const tick = (): void => {
    record();
    cancel = clock.schedule(everyMs, tick);
  };
  cancel = clock.schedule(everyMs, tick);
  return {
    stop(): void {
      cancel();
      record();
    },
  };
}
