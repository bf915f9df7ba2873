/**
 * `plugin_config` for `plugin = "aws"`: fleeting-plugin-aws's keys (name, region, profile,
 * config_file, credentials_file) plus spotrunner's additions.
 */
import { z } from 'zod';
import type { CompiledAwsPlugin } from '../provider-types.js';
import { durationField, httpUrl, text } from './fields.js';

const required = (hint: string) => (iss: { input: unknown }) =>
  iss.input === undefined ? `required by the aws plugin: ${hint}` : 'expected a string';

export const awsPluginConfigShape = {
  name: z
    .string({ error: required('the Auto Scaling group name') })
    .trim()
    .min(1, 'must not be empty')
    .max(255, 'must be at most 255 characters'),
  region: text()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region like us-east-1')
    .optional(),
  profile: text().optional(),
  config_file: text().optional(),
  credentials_file: text().optional(),
  endpoint: httpUrl().optional(),
  max_attempts: z.number().int().min(1).max(20).default(5),
  tag_group: z.boolean().default(false),
  interruption_queue_url: httpUrl('an SQS queue URL (https://…)').optional(),
  interruption_queue_wait_seconds: z.number().int().min(0).max(20).default(20),
  spot_request_checks: z.boolean().default(true),
  key_type: z.enum(['auto', 'ed25519', 'rsa']).default('auto'),
  imds_poll: durationField
    .refine((ms) => ms === 0 || ms >= 1000, 'must be 0 (off) or at least 1s')
    .default(0),
  metadata_url: httpUrl().optional(),
};

export const awsPluginConfigSchema = z
  .strictObject(awsPluginConfigShape)
  .transform((c): CompiledAwsPlugin => ({
    groupName: c.name,
    region: c.region,
    profile: c.profile,
    configFile: c.config_file,
    credentialsFile: c.credentials_file,
    endpoint: c.endpoint,
    maxAttempts: c.max_attempts,
    tagGroup: c.tag_group,
    interruptionQueueUrl: c.interruption_queue_url,
    interruptionQueueWaitSeconds: c.interruption_queue_wait_seconds,
    spotRequestChecks: c.spot_request_checks,
    keyType: c.key_type,
    imdsPollMs: c.imds_poll,
    metadataUrl: c.metadata_url,
  }));
