/**
 * Options of the aws provider and its SDK clients. `[runners.autoscaler.plugin_config]` for the
 * aws plugin is validated by `config/plugin-config/aws.ts` when the config loads.
 */
import type { CompiledAwsPlugin, CompiledConnector } from '../../config/types.js';

export type AwsKeyType = 'auto' | 'ed25519' | 'rsa';

/** How instances are reached: `[runners.autoscaler.connector_config]`, ssh only. */
export interface AwsConnectorOptions {
  os?: 'linux' | 'windows' | 'darwin';
  arch?: 'amd64' | 'arm64' | '386';
  port: number;
  username?: string;
  password?: string;
  keyPath?: string;
  useStaticCredentials: boolean;
  useExternalAddr: boolean;
  keepaliveMs?: number;
  timeoutMs?: number;
}

export interface AwsProviderOptions {
  /** The Auto Scaling group (plugin_config.name). */
  groupName: string;
  /** plugin_config.region; undefined = the SDK's own chain (profile, environment). */
  region?: string;
  connector: AwsConnectorOptions;
  /** Add the spotrunner tags to the group (CreateOrUpdateTags, PropagateAtLaunch) at init. */
  tagGroup: boolean;
  /** Value of the `spotrunner:manager` tag: which manager owns these instances. */
  managerName?: string;
  /** Value of the `spotrunner:runner` tag. */
  runnerName?: string;
  /** EventBridge → SQS queue with spot interruption warnings and rebalance recommendations. */
  interruptionQueueUrl?: string;
  /** Long-poll wait of each ReceiveMessage (0–20 s). */
  interruptionQueueWaitSeconds: number;
  /** Check spot request status (DescribeSpotInstanceRequests) on every update. */
  spotRequestChecks: boolean;
  /** Key type generated for EC2 Instance Connect; `auto` = ed25519, RSA-2048 for Windows. */
  keyType: AwsKeyType;
  /** How long a pushed Instance Connect key is valid (AWS: 60 s). */
  instanceConnectTtlMs: number;
  /** Instance ids per DescribeInstances / DescribeSpotInstanceRequests call. */
  describeBatchSize: number;
  /**
   * Ask IMDS on instances running jobs for interruption notices this often (over the pooled SSH
   * connection); 0 = off.
   */
  imdsPollMs: number;
  /** IMDS base URL as instances reach it; `{instance_id}` is replaced (compatible clouds, tests). */
  metadataUrl: string;
}

/** Where instances reach IMDS: the link-local address on EC2. */
export const DEFAULT_IMDS_URL = 'http://169.254.169.254';

/** Settings for `createAwsClients`. */
export interface AwsClientOptions {
  region?: string;
  profile?: string;
  configFile?: string;
  credentialsFile?: string;
  /** A compatible endpoint (tests, other clouds); real AWS needs none. */
  endpoint?: string;
  /** SDK attempts per call, including the first (throttling and transient faults). */
  maxAttempts: number;
  /**
   * How long one attempt may wait for its answer (default 30 s, above SQS's 20-s long poll):
   * a call that never returns must not hold up every later change of the group.
   */
  requestTimeoutMs?: number;
}

export interface AwsIdentity {
  managerName?: string;
  runnerName?: string;
}

function connectorFrom(connector: CompiledConnector): AwsConnectorOptions {
  return {
    os: connector.os,
    arch: connector.arch,
    port: connector.port ?? 22,
    username: connector.username,
    password: connector.password,
    keyPath: connector.keyPath,
    useStaticCredentials: connector.useStaticCredentials,
    useExternalAddr: connector.useExternalAddr,
    keepaliveMs: connector.keepaliveMs,
    timeoutMs: connector.timeoutMs,
  };
}

/**
 * The aws provider's and SDK clients' options from the compiled plugin_config and
 * connector_config (validated when the config was loaded).
 */
export function awsOptionsFromConfig(
  c: CompiledAwsPlugin,
  connector: CompiledConnector,
  identity: AwsIdentity = {},
): { provider: AwsProviderOptions; clients: AwsClientOptions } {
  return {
    provider: {
      groupName: c.groupName,
      region: c.region,
      connector: connectorFrom(connector),
      tagGroup: c.tagGroup,
      managerName: identity.managerName,
      runnerName: identity.runnerName,
      interruptionQueueUrl: c.interruptionQueueUrl,
      interruptionQueueWaitSeconds: c.interruptionQueueWaitSeconds,
      spotRequestChecks: c.spotRequestChecks,
      keyType: c.keyType,
      instanceConnectTtlMs: 60_000,
      describeBatchSize: 100,
      imdsPollMs: c.imdsPollMs,
      metadataUrl: c.metadataUrl ?? DEFAULT_IMDS_URL,
    },
    clients: {
      region: c.region,
      profile: c.profile,
      configFile: c.configFile,
      credentialsFile: c.credentialsFile,
      endpoint: c.endpoint,
      maxAttempts: c.maxAttempts,
    },
  };
}

/** Options with defaults for everything but the group name (tests, programmatic use). */
export function defaultAwsProviderOptions(
  groupName: string,
  overrides: Partial<AwsProviderOptions> = {},
): AwsProviderOptions {
  return {
    groupName,
    connector: { port: 22, useStaticCredentials: false, useExternalAddr: false },
    tagGroup: false,
    interruptionQueueWaitSeconds: 20,
    spotRequestChecks: true,
    keyType: 'auto',
    instanceConnectTtlMs: 60_000,
    describeBatchSize: 100,
    imdsPollMs: 0,
    metadataUrl: DEFAULT_IMDS_URL,
    ...overrides,
  };
}
