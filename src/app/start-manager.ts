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
import { createGitLabClient } from '../gitlab/index.js';
import { createManager, type Manager } from './manager.js';
import { settleLeftoverJobs } from './settle-leftovers.js';
import { openStateStore, type StateStore } from './state/state-store.js';
import { startStatusServer, type StatusServer } from './status-server.js';

export interface StartedManager {
  manager: Manager;
  store: StateStore;
  status?: StatusServer;
  systemId: string;
  close(graceMs: number): Promise<void>;
}

export interface StartManagerOptions {
  config: CompiledConfig;
  version: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Where state and host keys live; default `<config dir>/.spotrunner`. */
  stateDir?: string;
  awsEndpoint?: string;
  /** Start the status server when the config has listen_address (default true). */
  statusServer?: boolean;
}

export async function startManager(
  deps: { clock: Clock; logger: Logger },
  options: StartManagerOptions,
): Promise<StartedManager> {
  const { config } = options;
  const stateDir = options.stateDir ?? join(config.dir, '.spotrunner');
  const { systemId, warning } = await loadOrCreateSystemId(config.dir);
  if (warning) deps.logger.warn({}, warning);
  const hostKeys = await createHostKeyStore(deps, { path: join(stateDir, 'known-hosts.json') });
  const stateFile =
    config.runners.find((r) => r.spotrunner.stateFile)?.spotrunner.stateFile ??
    join(stateDir, 'state.json');
  const store = await openStateStore(deps, stateFile);

  const leftovers = Object.values(store.state.runners).reduce(
    (n, r) => n + Object.keys(r.jobs).length,
    0,
  );
  if (leftovers > 0) {
    deps.logger.warn({ jobs: leftovers }, 'settling jobs left running by a previous run');
    await settleLeftoverJobs(
      {
        ...deps,
        apiFor: (name) => {
          const runner = config.runners.find((r) => r.name === name && r.url && r.token);
          return runner
            ? createGitLabClient(deps, {
                url: runner.url,
                token: runner.token,
                systemId,
                info: { version: options.version, executor: runner.executor },
              })
            : undefined;
        },
      },
      store,
    );
  }
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
    },
  );
  await manager.start();
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
    systemId,
    async close(graceMs: number): Promise<void> {
      await manager.stop({ graceMs });
      await status?.stop();
      await store.flush();
      await hostKeys.flush();
    },
  };
}
