/**
 * The SDK clients the aws provider talks through, built by the app (never inside provider logic).
 * Credentials come from the SDK's default chain (environment, profile in the shared files,
 * SSO, process, web identity, container/instance role), honouring plugin_config's profile,
 * config_file and credentials_file.
 */
import { readFile } from 'node:fs/promises';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EC2InstanceConnectClient } from '@aws-sdk/client-ec2-instance-connect';
import { SQSClient } from '@aws-sdk/client-sqs';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { ApiCallCounts } from '../../platform/api-call-counts.js';
import { SpotrunnerError, UserError } from '../../platform/errors.js';
import { countApiCalls, type MiddlewareClient } from './api-call-counter.js';
import type { AwsClientOptions } from './aws-options.js';

export interface AwsClients {
  autoscaling: AutoScalingClient;
  ec2: EC2Client;
  instanceConnect: EC2InstanceConnectClient;
  sqs?: SQSClient;
}

/** The region set for `profile` (or `default`) in an AWS config file, if any. */
export function regionFromConfigText(text: string, profile = 'default'): string | undefined {
  const wanted = profile === 'default' ? ['default', 'profile default'] : [`profile ${profile}`];
  let inSection = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header) {
      inSection = wanted.includes(header[1]!.replace(/\s+/g, ' '));
      continue;
    }
    const kv = /^region\s*=\s*(\S+)$/.exec(line);
    if (inSection && kv) return kv[1];
  }
  return undefined;
}

function regionProvider(options: AwsClientOptions): string | (() => Promise<string>) | undefined {
  if (options.region) return options.region;
  const configFile = options.configFile;
  // Without a custom config file the SDK's own chain (AWS_REGION, profile) applies.
  if (!configFile) return undefined;
  return async () => {
    let text: string;
    try {
      text = await readFile(configFile, 'utf8');
    } catch (err: unknown) {
      throw new UserError(
        `plugin_config.config_file: cannot read ${configFile}`,
        'config_invalid',
        {
          cause: err,
        },
      );
    }
    const region = regionFromConfigText(text, options.profile);
    if (region) return region;
    throw new SpotrunnerError(
      'provider',
      `AWS region is missing: set plugin_config.region (profile "${options.profile ?? 'default'}" in ${configFile} has none)`,
    );
  };
}

const CONNECTION_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Builds the four SDK clients sharing one credential chain and one retry policy; with
 * `apiCalls`, each counts its calls, retries and errors there (api-call-counter.ts).
 */
export function createAwsClients(
  options: AwsClientOptions,
  extras: { apiCalls?: ApiCallCounts } = {},
): Required<AwsClients> {
  const credentials = defaultProvider({
    profile: options.profile,
    filepath: options.credentialsFile,
    configFilepath: options.configFile,
  });
  const common = {
    region: regionProvider(options),
    credentials,
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts,
    retryMode: 'standard',
    // A timed-out attempt is an error the SDK retries, not just a warning.
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  } as const;
  const counted = <I extends object, O extends object, C extends MiddlewareClient<I, O>>(
    client: C & MiddlewareClient<I, O>,
  ): C => (extras.apiCalls ? countApiCalls(client, extras.apiCalls) : client);
  return {
    autoscaling: counted(new AutoScalingClient(common)),
    ec2: counted(new EC2Client(common)),
    instanceConnect: counted(new EC2InstanceConnectClient(common)),
    sqs: counted(new SQSClient(common)),
  };
}

/** Closes the clients' sockets (at shutdown). */
export function destroyAwsClients(clients: AwsClients): void {
  clients.autoscaling.destroy();
  clients.ec2.destroy();
  clients.instanceConnect.destroy();
  clients.sqs?.destroy();
}
