/**
 * The manager's parts as one Lifecycle each (parts.ts), around the modules that do the work:
 * the state file, the host-key pins, the instance recorder, orphan reconcile, the status server,
 * and for `spotrunner run` token rotation and the config watcher. Statuses carry counts, names
 * and addresses, never a token.
 */
import type { CompiledConfig } from '../config/types.js';
import type { HostKeyStore } from '../connect/index.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { ApiCallCounts } from '../platform/api-call-counts.js';
import { createConfigWatcher } from './config-watcher.js';
import type { History } from './history/history-part.js';
import type { PriceBook } from './live-prices.js';
import { createInstanceRecorder } from './instance-recorder.js';
import type { Manager } from './manager.js';
import {
  startOrphanReconciler,
  type OrphanReconciler,
  type OrphanScope,
} from './orphan-reconcile.js';
import { createPart, type ManagerPart } from './parts.js';
import type { StateStore } from './state/state-store.js';
import { startStatusServer, type StatusServer } from './status-server.js';
import { startTokenRotation, type TokenRotation } from './token-rotation.js';

export interface ManagerPartsOptions {
  config: CompiledConfig;
  systemId: string;
  store: StateStore;
  stateFile: string;
  hostKeys: HostKeyStore;
  /** Start the status server when the config has listen_address. */
  statusServer: boolean;
  orphanCheckIntervalMs?: number;
  /** `spotrunner run`: rotated tokens are saved to this file, and it is watched for reloads. */
  configFile?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Recorded jobs and instances (history/): its part, and histograms on /metrics. */
  history?: History;
  /** Calls of the manager's AWS clients, for /metrics (the app counts them there). */
  apiCalls?: ApiCallCounts;
  /**
   * The manager's prices (live-prices.ts): its part runs when `[spotrunner]` sets live_prices or
   * prices_file; `prices.current` is what the dashboard prices with.
   */
  prices: PriceBook;
  /** Parts the caller made (the sandbox's container relay), after the manager's own. */
  extra?: readonly ManagerPart[];
}

type Deps = { clock: Clock; logger: Logger };

/** Every part, in start order; see Manager.stop for the stop order. */
export function buildManagerParts(
  deps: Deps,
  o: ManagerPartsOptions,
  manager: Manager,
): ManagerPart[] {
  const listen = o.statusServer ? o.config.listenAddress : undefined;
  const file = o.configFile;
  return [
    statePart(o.store, o.stateFile),
    hostKeysPart(o.hostKeys),
    createInstanceRecorder({ clock: deps.clock, store: o.store, manager }),
    ...(o.history ? [o.history.part(manager)] : []),
    ...(usesAws(o.config) ? [orphansPart(deps, o, manager)] : []),
    ...(o.config.manager.livePrices || o.config.manager.pricesFile ? [o.prices.part(manager)] : []),
    ...(listen ? [statusServerPart(deps, manager, listen, o)] : []),
    ...(file
      ? [
          tokenRotationPart(deps, file, manager),
          createConfigWatcher(deps, {
            file,
            env: o.env,
            onConfig: (config) => manager.reload(config),
          }),
        ]
      : []),
    ...(o.extra ?? []),
  ];
}

/** Open before the runners start (they journal to it); flushed last. */
function statePart(store: StateStore, file: string): ManagerPart {
  return createPart(
    'state',
    {
      start: () => undefined,
      stop: () => store.flush(),
      status: () => ({
        file,
        ...(store.writeError !== undefined ? { writeError: store.writeError } : {}),
        jobsInFlight: Object.values(store.state.runners).reduce(
          (n, r) => n + Object.keys(r.jobs).length,
          0,
        ),
      }),
    },
    { outlivesRunners: true, running: true },
  );
}

function hostKeysPart(hostKeys: HostKeyStore): ManagerPart {
  return createPart(
    'host-keys',
    { start: () => undefined, stop: () => hostKeys.flush(), status: () => ({}) },
    { outlivesRunners: true, running: true },
  );
}

function usesAws(config: CompiledConfig): boolean {
  return config.runners.some(
    (r) => r.autoscaler?.providerKind === 'aws' || r.spotrunner.fallback?.providerKind === 'aws',
  );
}

/** Orphan reconcile over every aws runner (running or not): at start, then every interval. */
function orphansPart(deps: Deps, o: ManagerPartsOptions, manager: Manager): ManagerPart {
  const intervalMs = o.orphanCheckIntervalMs ?? 5 * 60_000;
  let reconciler: OrphanReconciler | undefined;
  let lastCheckAtMs: number | undefined;
  const scopes = (): OrphanScope[] => {
    lastCheckAtMs = deps.clock.now();
    return o.config.runners.map((runner) => {
      const stack = manager.stacks().find((s) => s.runner.name === runner.name);
      return {
        runnerName: runner.name,
        orphanGraceMs: runner.spotrunner.orphanGraceMs,
        awsGroups: stack?.awsGroups ?? [],
        knownIds: () => stack?.fleet.status().instances.map((i) => i.id) ?? [],
        running: stack !== undefined,
      };
    });
  };
  return createPart('orphan-reconcile', {
    start: () => {
      reconciler = startOrphanReconciler(
        { ...deps, managerName: o.systemId, scopes },
        { intervalMs },
      );
    },
    stop: () => reconciler?.stop(),
    status: () => ({ intervalMs, ...(lastCheckAtMs !== undefined ? { lastCheckAtMs } : {}) }),
  });
}

/** Serves the manager's status from before its runners start until after they drain. */
function statusServerPart(
  deps: Deps,
  manager: Manager,
  listenAddress: string,
  o: Pick<ManagerPartsOptions, 'history' | 'systemId' | 'apiCalls' | 'config' | 'prices'>,
): ManagerPart {
  let server: StatusServer | undefined;
  return createPart(
    'status-server',
    {
      start: async () => {
        server = await startStatusServer(deps, manager, listenAddress, {
          systemId: o.systemId,
          ...(o.history ? { history: o.history } : {}),
          ...(o.apiCalls ? { apiCalls: o.apiCalls } : {}),
          ...(o.history
            ? {
                dashboard: {
                  config: o.config,
                  history: o.history,
                  prices: () => o.prices.current(),
                },
              }
            : {}),
        });
      },
      stop: () => server?.stop(),
      status: () => ({
        listenAddress,
        ...(server ? { url: server.url } : {}),
        dashboard: o.history !== undefined && o.config.manager.dashboard,
      }),
    },
    { outlivesRunners: true, startsBeforeRunners: true },
  );
}

/** Rotates the expiring tokens of the runners that started (token-rotation.ts). */
function tokenRotationPart(deps: Deps, configFile: string, manager: Manager): ManagerPart {
  let rotation: TokenRotation | undefined;
  let runners: string[] = [];
  return createPart('token-rotation', {
    start: () => {
      const stacks = manager.stacks();
      runners = stacks.map((s) => s.runner.name);
      rotation = startTokenRotation(deps, {
        configFile,
        runners: stacks.map((s) => ({ runner: s.runner, api: s.api })),
      });
    },
    stop: () => rotation?.stop(),
    status: () => ({ configFile, runners }),
  });
}
