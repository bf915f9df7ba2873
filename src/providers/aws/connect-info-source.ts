/**
 * ConnectInfo per call, as fleeting-plugin-aws gives it: a fresh DescribeInstances, then either
 * the static credentials (`use_static_credentials` with `key_path`/`password`) or an EC2
 * Instance Connect key pushed for the OS user, valid for 60 seconds.
 */
import type { Clock } from '../../platform/clock.js';
import { SpotrunnerError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { ConnectInfo } from '../provider.js';
import type { AwsClients } from './aws-clients.js';
import type { AwsProviderOptions } from './aws-options.js';
import { buildConnectInfo, defaultUsername, detectOs } from './connect-info.js';
import { describeInstanceDetails, type InstanceDetails } from './instance-details.js';
import {
  generateSshKeyPair,
  loadKeyPair,
  pushInstanceConnectKey,
  type SshKeyPair,
} from './instance-connect.js';

export interface ConnectInfoSource {
  connectInfo(
    id: string,
    signal?: AbortSignal,
  ): Promise<{ info: ConnectInfo; details: InstanceDetails }>;
}

const GONE_STATES = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);

/** Loads `key_path` once (a UserError if unreadable), then serves connectInfo calls. */
export async function createConnectInfoSource(
  deps: { clock: Clock; clients: AwsClients; logger: Logger },
  options: Pick<AwsProviderOptions, 'connector' | 'keyType' | 'instanceConnectTtlMs'>,
): Promise<ConnectInfoSource> {
  const { connector } = options;
  const configuredKey: SshKeyPair | undefined = connector.keyPath
    ? await loadKeyPair(connector.keyPath)
    : undefined;

  async function describe(id: string, signal?: AbortSignal): Promise<InstanceDetails> {
    const [details] = await describeInstanceDetails(deps.clients.ec2, { ids: [id], signal });
    if (!details) throw new SpotrunnerError('not_found', `instance ${id} not found`);
    if (details.ec2State && GONE_STATES.has(details.ec2State)) {
      throw new SpotrunnerError('instance_lost', `instance ${id} is ${details.ec2State}`);
    }
    return details;
  }

  return {
    async connectInfo(id, signal) {
      const details = await describe(id, signal);
      if (connector.useStaticCredentials) {
        return {
          info: buildConnectInfo(details, connector, { privateKey: configuredKey?.privateKey }),
          details,
        };
      }
      const os = connector.os ?? detectOs(details);
      const key = configuredKey ?? (await generateSshKeyPair(options.keyType, os));
      // Counted from before the push: the key is valid for the TTL from when AWS accepted it.
      const expiresAtMs = deps.clock.now() + options.instanceConnectTtlMs;
      await pushInstanceConnectKey(deps.clients.instanceConnect, {
        instanceId: id,
        osUser: connector.username ?? defaultUsername(os),
        publicKey: key.publicKey,
        zone: details.zone,
        signal,
      });
      deps.logger.debug({ instanceId: id, expiresAtMs }, 'instance connect key pushed');
      return {
        info: buildConnectInfo(details, connector, { privateKey: key.privateKey, expiresAtMs }),
        details,
      };
    },
  };
}
