/**
 * What `spotrunner aws setup` builds for one runner, from config.toml: the group and region from
 * `[runners.autoscaler.plugin_config]`, the fallback group from `[runners.spotrunner.fallback]`,
 * the cache bucket from `[runners.cache.s3]`, the queue from `interruption_queue_url`, and the
 * setup-only settings of `[runners.spotrunner.aws_setup]` (validated here, when setup runs).
 */
import { z } from 'zod';
import type { CompiledRunner } from '../config/types.js';
import { UserError } from '../platform/errors.js';

const name = z.string().trim().min(1);

export const awsSetupSchema = z.strictObject({
  /** Tag value of `spotrunner:setup` on everything setup makes; default: the group name. */
  setup_id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits, _ . : - (≤64)')
    .optional(),
  arch: z.enum(['arm64', 'x86_64']).default('arm64'),
  instance_types: z.array(name).min(2, 'list at least two types (spot capacity)').optional(),
  /** An AMI id (`ami-…`) or an SSM parameter (`ssm:/aws/service/…`); default Amazon Linux 2023. */
  ami: z
    .string()
    .regex(/^(ami-[0-9a-f]{8,17}|ssm:\/.+)$/, 'an ami-… id or ssm:/parameter')
    .optional(),
  subnets: z.array(name).optional(),
  zones: z.array(name).optional(),
  security_groups: z.array(name).default([]),
  key_name: name.optional(),
  volume_size_gib: z.number().int().min(8).max(16_384).default(30),
  /** EBS volume initialization rate from the AMI snapshot, MiB/s (100–300); 0 = AWS default. */
  volume_initialization_rate: z
    .number()
    .int()
    .refine((n) => n === 0 || (n >= 100 && n <= 300), '0 or 100–300 MiB/s')
    .default(100),
  /** Days after which cache objects expire. */
  cache_expiry_days: z.number().int().min(1).max(3650).default(14),
  /** Shell lines appended to the generated user data. */
  user_data: z.string().optional(),
});

const DEFAULT_TYPES = {
  arm64: ['m7g.large', 'm6g.large', 'c7g.xlarge'],
  x86_64: ['m7i.large', 'm6i.large', 'm7a.large'],
} as const;

export const AL2023_PARAMETER = {
  arm64: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
  x86_64: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
} as const;

export interface GroupSpec {
  name: string;
  /** Spot (price-capacity-optimized) or on-demand (the fallback). */
  spot: boolean;
  maxSize: number;
}

/** Everything setup and teardown need to know about one runner, validated. */
export interface SetupSpec {
  setupId: string;
  region?: string;
  runnerName: string;
  managerName: string;
  arch: 'arm64' | 'x86_64';
  instanceTypes: readonly string[];
  ami: { imageId: string } | { parameter: string };
  subnets: readonly string[];
  zones: readonly string[];
  securityGroups: readonly string[];
  keyName?: string;
  volumeSizeGiB: number;
  volumeInitializationRateMiBps: number;
  userDataExtra?: string;
  templateName: string;
  groups: readonly GroupSpec[];
  roleName: string;
  instanceProfileName: string;
  managerPolicyName: string;
  bucket?: { name: string; expiryDays: number };
  queueName: string;
  ruleName: string;
  /** Whether the manager uses EC2 Instance Connect (no static key). */
  instanceConnect: boolean;
}

function fail(runner: string, message: string): never {
  throw new UserError(`runner "${runner}": ${message}`, 'config_invalid');
}

function queueNameOf(url: string | undefined, fallback: string): string {
  if (!url) return fallback;
  return new URL(url).pathname.split('/').filter(Boolean).pop() ?? fallback;
}

/** Reads a runner's setup spec; a UserError for a runner setup cannot build. */
export function resolveSetupSpec(runner: CompiledRunner, managerName: string): SetupSpec {
  const scaler = runner.autoscaler;
  if (scaler?.provider.kind !== 'aws') fail(runner.name, 'aws setup needs plugin = "aws"');
  const plugin = scaler.provider.aws;
  const parsed = awsSetupSchema.safeParse(runner.spotrunner.awsSetup ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(runner.name, `[runners.spotrunner.aws_setup] ${issue.path.join('.')}: ${issue.message}`);
  }
  const s = parsed.data;
  const id = s.setup_id ?? plugin.groupName;
  const groups: GroupSpec[] = [
    { name: plugin.groupName, spot: true, maxSize: Math.max(scaler.maxInstances, 1) },
  ];
  const fallback = runner.spotrunner.fallback?.provider;
  if (fallback?.kind === 'aws')
    groups.push({ name: fallback.aws.groupName, spot: false, maxSize: groups[0]!.maxSize });
  const region = plugin.region;
  const s3 = runner.cache?.type === 's3' ? runner.cache.s3 : undefined;
  return {
    setupId: id,
    region,
    runnerName: runner.name,
    managerName,
    arch: s.arch,
    instanceTypes: s.instance_types ?? DEFAULT_TYPES[s.arch],
    ami: s.ami?.startsWith('ami-')
      ? { imageId: s.ami }
      : { parameter: s.ami?.slice('ssm:'.length) ?? AL2023_PARAMETER[s.arch] },
    subnets: s.subnets ?? [],
    zones: s.subnets?.length
      ? []
      : (s.zones ?? [`${region ?? 'us-east-1'}a`, `${region ?? 'us-east-1'}b`]),
    securityGroups: s.security_groups,
    keyName: s.key_name,
    volumeSizeGiB: s.volume_size_gib,
    volumeInitializationRateMiBps: s.volume_initialization_rate,
    userDataExtra: s.user_data,
    templateName: `spotrunner-${id}`,
    groups,
    roleName: `spotrunner-${id}-instance`,
    instanceProfileName: `spotrunner-${id}-instance`,
    managerPolicyName: `spotrunner-${id}-manager`,
    bucket: s3?.bucketName ? { name: s3.bucketName, expiryDays: s.cache_expiry_days } : undefined,
    queueName: queueNameOf(plugin.interruptionQueueUrl, `spotrunner-${id}-interruptions`),
    ruleName: `spotrunner-${id}-interruptions`,
    instanceConnect: !scaler.connector.useStaticCredentials,
  };
}
