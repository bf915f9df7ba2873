import { SystemClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import { describeProviderContract } from '../provider.contract.js';
import { startAwsDouble } from '../../../test/support/aws/aws-double.js';
import { writeAwsProfile } from '../../../test/support/aws/aws-profile.js';
import { startLocalBacking } from '../../../test/support/aws/local-backing.js';
import { createAwsClients, destroyAwsClients } from './aws-clients.js';
import { createAwsProvider } from './aws-provider.js';
import { defaultAwsProviderOptions } from './aws-options.js';

// The real SDK against the AWS double, whose instances are real `local` provider instances.
describeProviderContract('aws (AWS double over local instances)', async () => {
  const clock = new SystemClock();
  const backing = await startLocalBacking({ maxInstances: 8 });
  const double = await startAwsDouble({
    backing,
    groups: [{ name: 'contract', max: 4, instanceTypes: ['m7i.large', 'm6a.large'] }],
    bootMs: 100,
  });
  const profile = await writeAwsProfile({ region: double.region });
  const clients = createAwsClients({
    profile: profile.profile,
    configFile: profile.configFile,
    credentialsFile: profile.credentialsFile,
    endpoint: double.endpoint,
    maxAttempts: 3,
  });
  const provider = createAwsProvider(
    { clock, logger: silentLogger, clients },
    defaultAwsProviderOptions('contract', { region: double.region }),
  );
  return {
    provider,
    clock,
    cleanup: async () => {
      await provider.shutdown();
      destroyAwsClients(clients);
      await double.stop();
      await backing.stop();
      await profile.remove();
      const errors = double.controls.backingErrors();
      if (errors.length > 0) throw new Error(`backing errors: ${errors.join('; ')}`);
    },
  };
});
