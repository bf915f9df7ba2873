/** One Auto Scaling group of a runner (its primary group, or its fallback group), as built. */
import type { AwsClients } from './aws-clients.js';
import type { AwsProviderOptions } from './aws-options.js';
import type { AwsProvider } from './aws-provider.js';

export interface AwsGroupHandle {
  role: 'primary' | 'fallback';
  provider: AwsProvider;
  clients: AwsClients;
  options: AwsProviderOptions;
  /** Which account/endpoint the clients reach (groups with the same key share one EC2 view). */
  clientKey: string;
}
