/**
 * `[runners.autoscaler.plugin_config]` for the aws provider: fleeting-plugin-aws's keys (name,
 * region, profile, config_file, credentials_file) plus spotrunner's additions, validated once.
 */
import { z } from 'zod';
import { durationField } from '../plugin-config-fields.js';
import { UserError } from '../../platform/errors.js';
import type { CompiledConnector } from '../../config/types.js';

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

const nonEmpty = z.string().trim().min(1, 'must not be empty');

const duration = durationField;

export const awsPluginConfigSchema = z.strictObject({
  name: nonEmpty.max(255, 'must be at most 255 characters'),
  region: nonEmpty
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region like us-east-1')
    .optional(),
  profile: nonEmpty.optional(),
  config_file: nonEmpty.optional(),
  credentials_file: nonEmpty.optional(),
  endpoint: z.url({ message: 'must be a URL' }).optional(),
  max_attempts: z.number().int().min(1).max(20).default(5),
  tag_group: z.boolean().default(false),
  interruption_queue_url: z.url({ message: 'must be an SQS queue URL' }).optional(),
  interruption_queue_wait_seconds: z.number().int().min(0).max(20).default(20),
  spot_request_checks: z.boolean().default(true),
  key_type: z.enum(['auto', 'ed25519', 'rsa']).default('auto'),
  imds_poll: duration
    .refine((ms) => ms === 0 || ms >= 1000, 'must be 0 (off) or at least 1s')
    .default(0),
  metadata_url: z.url({ message: 'must be a URL' }).optional(),
});

export type AwsPluginConfig = z.infer<typeof awsPluginConfigSchema>;

function formatIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `plugin_config: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} for the aws plugin`;
  }
  const key = issue.path.map(String).join('.');
  return `plugin_config.${key}: ${issue.message}`;
}

function connectorFrom(connector: CompiledConnector): AwsConnectorOptions {
  if (connector.protocol !== 'ssh') {
    throw new UserError(
      `connector_config.protocol: the aws provider connects over ssh only, got "${connector.protocol}"`,
      'config_invalid',
    );
  }
  if (connector.useStaticCredentials && !connector.keyPath && !connector.password) {
    throw new UserError(
      'connector_config.key_path: required when use_static_credentials = true (the key the instances accept)',
      'config_invalid',
    );
  }
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
 * Validates plugin_config and connector_config for the aws provider. Throws a UserError naming
 * the key at fault.
 */
export function awsOptionsFromConfig(
  pluginConfig: Readonly<Record<string, unknown>>,
  connector: CompiledConnector,
  identity: AwsIdentity = {},
): { provider: AwsProviderOptions; clients: AwsClientOptions } {
  const parsed = awsPluginConfigSchema.safeParse(pluginConfig);
  if (!parsed.success) {
    throw new UserError(parsed.error.issues.map(formatIssue).join('\n'), 'config_invalid');
  }
  const c = parsed.data;
  return {
    provider: {
      groupName: c.name,
      region: c.region,
      connector: connectorFrom(connector),
      tagGroup: c.tag_group,
      managerName: identity.managerName,
      runnerName: identity.runnerName,
      interruptionQueueUrl: c.interruption_queue_url,
      interruptionQueueWaitSeconds: c.interruption_queue_wait_seconds,
      spotRequestChecks: c.spot_request_checks,
      keyType: c.key_type,
      instanceConnectTtlMs: 60_000,
      describeBatchSize: 100,
      imdsPollMs: c.imds_poll,
      metadataUrl: c.metadata_url ?? DEFAULT_IMDS_URL,
    },
    clients: {
      region: c.region,
      profile: c.profile,
      configFile: c.config_file,
      credentialsFile: c.credentials_file,
      endpoint: c.endpoint,
      maxAttempts: c.max_attempts,
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
