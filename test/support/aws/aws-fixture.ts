/**
 * One AWS double plus real SDK clients signed through a written profile: the setup every aws
 * provider test starts from.
 */
import { createAwsClients, type AwsClients } from '../../../src/providers/aws/aws-clients.js';
import {
  createAwsProvider,
  type AwsProvider,
  type AwsProviderDeps,
} from '../../../src/providers/aws/aws-provider.js';
import {
  defaultAwsProviderOptions,
  type AwsProviderOptions,
} from '../../../src/providers/aws/aws-options.js';
import { SystemClock, type Clock } from '../../../src/platform/clock.js';
import { MemoryLogger } from '../../../src/platform/logger.js';
import type { InterruptionNotice } from '../../../src/providers/provider.js';
import { startAwsDouble, type AwsDouble, type AwsDoubleOptions } from './aws-double.js';
import { writeAwsProfile, type TestAwsProfile } from './aws-profile.js';
import { createIdBacking } from './id-backing.js';

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
  const double = await startAwsDouble({ backing: createIdBacking(), ...options, clock });
  const profile = await writeAwsProfile({ region: double.region });
  const clients = createAwsClients({
    profile: profile.profile,
    configFile: profile.configFile,
    credentialsFile: profile.credentialsFile,
    endpoint: double.endpoint,
    maxAttempts: options.maxAttempts ?? 3,
  });
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
      for (const c of Object.values(clients)) c.destroy();
      await double.stop();
      await profile.remove();
    },
  };
}
