/**
 * Chooses and builds the Provider for one runner from its compiled config: `local`, `static`,
 * `aws`, or the manager itself for the non-autoscaled `shell`/`docker` executors. SDK clients
 * are made here, in the composition root, never inside provider logic.
 */
import type {
  CompiledAutoscaler,
  CompiledAwsPlugin,
  CompiledConfig,
  CompiledProvider,
  CompiledRunner,
} from '../config/types.js';
import type { Provider } from '../providers/provider.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { ApiCallCounts } from '../platform/api-call-counts.js';
import { UserError } from '../platform/errors.js';
import { createLocalProvider, localOptionsFromConfig } from '../providers/local/index.js';
import { createStaticProvider, staticOptionsFromConfig } from '../providers/static/index.js';
import {
  awsOptionsFromConfig,
  createAwsClients,
  createAwsProvider,
  destroyAwsClients,
  type AwsClientOptions,
} from '../providers/aws/index.js';
import type { InterruptionNotice } from '../providers/provider.js';
import { createFallbackProvider } from '../providers/fallback/index.js';
import type { AwsGroupHandle } from '../providers/aws/group-handle.js';
import type { HeldRemovalsStore } from '../providers/aws/group-removals.js';
import { createSelfProvider } from './self-provider.js';

export type { AwsGroupHandle };

export interface BuiltProvider {
  provider: Provider;
  /** True when instances are this machine itself (executor shell/docker). */
  self: boolean;
  /** The aws groups inside `provider` (none for other plugins). */
  awsGroups: readonly AwsGroupHandle[];
  /** Releases SDK clients etc. after provider.shutdown(). */
  dispose(): void;
}

export interface ProviderDeps {
  clock: Clock;
  logger: Logger;
  /** Overrides the AWS endpoint (tests, AWS-compatible clouds). */
  awsEndpoint?: string;
  /** This manager's name in instance tags (the system id). */
  managerName: string;
  /** Where the AWS clients count their calls, retries and errors (/metrics). */
  apiCalls?: ApiCallCounts;
  /** PATH and locale for local instances (only config/ reads the process environment). */
  localEnv?: Readonly<Record<string, string>>;
  /** A notice arrived between updates (SQS feed, IMDS): the fleet should look now. */
  onInterruption?: (instanceId: string, notice: InterruptionNotice) => void;
  /** Where an aws group's removals held at MinSize outlive a restart (the state file). */
  heldRemovals?: (groupName: string) => HeldRemovalsStore;
}

export function buildProvider(
  deps: ProviderDeps,
  config: CompiledConfig,
  runner: CompiledRunner,
): BuiltProvider {
  const log = deps.logger.child({ component: 'provider', runner: runner.name });
  const scaler = runner.autoscaler;
  if (!scaler) {
    return {
      provider: createSelfProvider({ clock: deps.clock }),
      self: true,
      awsGroups: [],
      dispose: () => undefined,
    };
  }
  const primary = providerFor(deps, config, runner, scaler.provider, log, 'primary');
  const fallback = runner.spotrunner.fallback;
  if (!fallback) return primary;
  const secondary = providerFor(
    deps,
    config,
    runner,
    fallback.provider,
    log.child({ group: 'fallback' }),
    'fallback',
  );
  return {
    provider: createFallbackProvider(
      { clock: deps.clock, logger: log },
      primary.provider,
      secondary.provider,
      {
        afterMs: fallback.afterMs,
        probeIntervalMs: fallback.probeIntervalMs,
      },
    ),
    self: false,
    awsGroups: [...primary.awsGroups, ...secondary.awsGroups],
    dispose: () => {
      primary.dispose();
      secondary.dispose();
    },
  };
}

function providerFor(
  deps: ProviderDeps,
  config: CompiledConfig,
  runner: CompiledRunner,
  compiled: CompiledProvider,
  log: Logger,
  role: AwsGroupHandle['role'],
): BuiltProvider {
  const connector = runner.autoscaler!.connector;
  switch (compiled.kind) {
    case 'local':
      return {
        provider: createLocalProvider(
          { clock: deps.clock, logger: log },
          {
            ...localOptionsFromConfig(compiled.local, connector),
            ...(deps.localEnv ? { env: deps.localEnv } : {}),
          },
        ),
        self: false,
        awsGroups: [],
        dispose: () => undefined,
      };
    case 'static':
      return {
        provider: createStaticProvider(
          { clock: deps.clock, logger: log },
          staticOptionsFromConfig(compiled.static, connector, config.dir),
        ),
        self: false,
        awsGroups: [],
        dispose: () => undefined,
      };
    case 'aws':
      return awsProviderFor(deps, runner, compiled.aws, connector, log, role);
    case 'sim':
      throw new UserError(
        `runner "${runner.name}": plugin "sim" is a simulated cloud for \`spotrunner plan\`; it cannot run jobs`,
        'config_invalid',
      );
  }
}

function awsProviderFor(
  deps: ProviderDeps,
  runner: CompiledRunner,
  plugin: CompiledAwsPlugin,
  connector: CompiledAutoscaler['connector'],
  log: Logger,
  role: AwsGroupHandle['role'],
): BuiltProvider {
  const options = awsOptionsFromConfig(plugin, connector, {
    managerName: deps.managerName,
    runnerName: runner.name,
  });
  const clientOptions: AwsClientOptions = {
    ...options.clients,
    ...(deps.awsEndpoint ? { endpoint: deps.awsEndpoint } : {}),
  };
  const clients = createAwsClients(clientOptions, deps.apiCalls ? { apiCalls: deps.apiCalls } : {});
  const provider = createAwsProvider(
    {
      clock: deps.clock,
      logger: log,
      clients,
      ...(deps.onInterruption ? { onInterruption: deps.onInterruption } : {}),
      ...(deps.heldRemovals ? { heldRemovals: deps.heldRemovals(options.provider.groupName) } : {}),
    },
    options.provider,
  );
  const { region, profile, configFile, credentialsFile, endpoint } = clientOptions;
  const clientKey = JSON.stringify([region, profile, configFile, credentialsFile, endpoint]);
  return {
    provider,
    self: false,
    awsGroups: [{ role, provider, clients, options: options.provider, clientKey }],
    dispose: () => destroyAwsClients(clients),
  };
}
