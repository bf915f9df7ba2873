/**
 * One AWS double plus real SDK clients signed through a written profile: the setup every aws
 * provider test starts from.
 */
import type { ApiCallCounts } from '../../../src/platform/api-call-counts.js';
import {
  createAwsClients,
  destroyAwsClients,
  type AwsClients,
} from '../../../src/providers/aws/aws-clients.js';
import {
  createAwsProvider,
  type AwsProvider,
  type AwsProviderDeps,
} from '../../../src/providers/aws/aws-provider.js';
import {
  defaultAwsProviderOptions,
  type AwsClientOptions,
  type AwsProviderOptions,
} from '../../../src/providers/aws/aws-options.js';
import { SystemClock, type Clock } from '../../../src/platform/clock.js';
import { MemoryLogger } from '../../../src/platform/logger.js';
import type { InterruptionNotice } from '../../../src/providers/provider.js';
import { startAwsDouble, type AwsDouble, type AwsDoubleOptions } from './aws-double.js';
import { writeAwsProfile, type TestAwsProfile } from './aws-profile.js';
import { createIdBacking } from './id-backing.js';

/** The double, the profile written for it and the SDK clients signed through that profile. */
export interface AwsClientsFixture {
  double: AwsDouble;
  profile: TestAwsProfile;
  clients: Required<AwsClients>;
  /** Destroys the clients, stops the double and removes the profile. */
  stop(): Promise<void>;
}

export interface AwsClientsFixtureOptions extends Partial<
  Pick<AwsClientOptions, 'endpoint' | 'maxAttempts' | 'requestTimeoutMs'>
> {
  /** Defaults: ids backing the instances, one group `runners` of at most 3. */
  double?: Partial<AwsDoubleOptions>;
  /** Defaults: the double's region and credentials. */
  profile?: Parameters<typeof writeAwsProfile>[0];
  /** Where the clients count their calls (api-call-counter.ts). */
  apiCalls?: ApiCallCounts;
}

/** Starts a double and clients aimed at it (or at `endpoint`), 3 attempts unless told. */
export async function startAwsClients(
  options: AwsClientsFixtureOptions = {},
): Promise<AwsClientsFixture> {
  const double = await startAwsDouble({
    backing: createIdBacking(),
    groups: [{ name: 'runners', max: 3 }],
    ...options.double,
  });
  const profile = await writeAwsProfile({ region: double.region, ...options.profile });
  const clients = createAwsClients(
    {
      profile: profile.profile,
      configFile: profile.configFile,
      credentialsFile: profile.credentialsFile,
      endpoint: options.endpoint ?? double.endpoint,
      maxAttempts: options.maxAttempts ?? 3,
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    },
    options.apiCalls ? { apiCalls: options.apiCalls } : {},
  );
  return {
    double,
    profile,
    clients,
    async stop() {
      destroyAwsClients(clients);
      await double.stop();
      await profile.remove();
    },
  };
}

export interface AwsFixture {
  double: AwsDouble;
  profile: TestAwsProfile;
  clients: Required<AwsClients>;
  logger: MemoryLogger;
  clock: Clock;
  notices: { id: string; notice: InterruptionNotice }[];
  provider(
    groupName: string,
    overrides?: Partial<AwsProviderOptions>,
    deps?: Pick<AwsProviderDeps, 'heldRemovals'>,
  ): AwsProvider;
  stop(): Promise<void>;
}

export async function startAwsFixture(
  options: Partial<AwsDoubleOptions> & Pick<AwsDoubleOptions, 'groups'> & { maxAttempts?: number },
): Promise<AwsFixture> {
  const clock = options.clock ?? new SystemClock();
  const base = await startAwsClients({
    double: { ...options, clock },
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  });
  const { double, profile, clients } = base;
  const logger = new MemoryLogger();
  const notices: AwsFixture['notices'] = [];
  const providers: AwsProvider[] = [];
  return {
    double,
    profile,
    clients,
    logger,
    clock,
    notices,
    provider(groupName, overrides = {}, deps = {}) {
      const provider = createAwsProvider(
        {
          clock,
          logger,
          clients,
          onInterruption: (id, notice) => notices.push({ id, notice }),
          ...deps,
        },
        defaultAwsProviderOptions(groupName, overrides),
      );
      providers.push(provider);
      return provider;
    },
    async stop() {
      for (const p of providers) await p.shutdown();
      await base.stop();
    },
  };
}
