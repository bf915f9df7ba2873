/**
 * Chooses and builds the Provider for one runner from its compiled config: `local`, `static`,
 * `aws`, or the manager itself for the non-autoscaled `shell`/`docker` executors. SDK clients
 * are made here, in the composition root, never inside provider logic.
 */
import type { CompiledAutoscaler, CompiledConfig, CompiledRunner } from '../config/types.js';
import type { Provider } from '../providers/provider.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { UserError } from '../platform/errors.js';
import { createLocalProvider, localOptionsFromConfig } from '../providers/local/index.js';
import { createStaticProvider, staticOptionsFromConfig } from '../providers/static/index.js';
import {
  awsOptionsFromConfig,
  createAwsClients,
  createAwsProvider,
  destroyAwsClients,
} from '../providers/aws/index.js';
import { createFallbackProvider } from '../providers/fallback/index.js';
import { createSelfProvider } from './self-provider.js';

export interface BuiltProvider {
  provider: Provider;
  /** True when instances are this machine itself (executor shell/docker). */
  self: boolean;
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
  /** PATH and locale for local instances (only config/ reads the process environment). */
  localEnv?: Readonly<Record<string, string>>;
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
      dispose: () => undefined,
    };
  }
  const primary = providerFor(
    deps,
    config,
    runner,
    scaler.providerKind,
    scaler.plugin,
    scaler.pluginConfig,
    log,
  );
  const fallback = runner.spotrunner.fallback;
  if (!fallback) return primary;
  const secondary = providerFor(
    deps,
    config,
    runner,
    fallback.providerKind,
    fallback.plugin,
    fallback.pluginConfig,
    log.child({ group: 'fallback' }),
  );
  return {
    provider: createFallbackProvider(
      { clock: deps.clock, logger: log },
      primary.provider,
      secondary.provider,
      {
        afterMs: fallback.afterMs,
      },
    ),
    self: false,
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
  kind: CompiledAutoscaler['providerKind'],
  plugin: string,
  pluginConfig: Readonly<Record<string, unknown>>,
  log: Logger,
): BuiltProvider {
  const connector = runner.autoscaler!.connector;
  switch (kind) {
    case 'local':
      return {
        provider: createLocalProvider(
          { clock: deps.clock, logger: log },
          {
            ...localOptionsFromConfig(pluginConfig, connector, config.dir),
            ...(deps.localEnv ? { env: deps.localEnv } : {}),
          },
        ),
        self: false,
        dispose: () => undefined,
      };
    case 'static':
      return {
        provider: createStaticProvider(
          { clock: deps.clock, logger: log },
          staticOptionsFromConfig(pluginConfig, connector, config.dir),
        ),
        self: false,
        dispose: () => undefined,
      };
    case 'aws': {
      const options = awsOptionsFromConfig(pluginConfig, connector, {
        managerName: deps.managerName,
        runnerName: runner.name,
      });
      const clients = createAwsClients({
        ...options.clients,
        ...(deps.awsEndpoint ? { endpoint: deps.awsEndpoint } : {}),
      });
      return {
        provider: createAwsProvider({ clock: deps.clock, logger: log, clients }, options.provider),
        self: false,
        dispose: () => destroyAwsClients(clients),
      };
    }
    case 'sim':
      throw new UserError(
        `runner "${runner.name}": plugin "sim" is a simulated cloud for \`spotrunner plan\`; it cannot run jobs`,
        'config_invalid',
      );
    case 'unknown':
      throw new UserError(
        `runner "${runner.name}": plugin "${plugin}" is not one spotrunner drives (aws, static or local)`,
        'config_invalid',
      );
    default:
      throw new UserError(
        `runner "${runner.name}": unsupported plugin "${plugin}"`,
        'config_invalid',
      );
  }
}
