/**
 * zod schemas for gitlab-runner's config.toml as spotrunner reads it (raw TOML keys, before
 * defaults). `compile-config.ts` turns the parsed value into the frozen `CompiledConfig`.
 *
 * spotrunner's own additions live in `[runners.spotrunner]`, beside the gitlab-runner keys of a
 * `[[runners]]` entry (gitlab-runner itself does not accept this table):
 *
 * ```toml
 * [runners.spotrunner]
 *   # What happens to a job whose instance is taken back (spot interruption, instance lost):
 *   # "rerun" runs it again from the start on another instance, "fail" fails it as
 *   # runner_system_failure like gitlab-runner does. Default "rerun".
 *   interruption_mode = "rerun"
 *   # How many times one job may be rerun after interruptions before it fails (0 = never).
 *   # Default 2.
 *   max_reruns = 2
 *   # Run rescued jobs on the fallback group (below) rather than on the primary group,
 *   # where the capacity was just taken back. Default false.
 *   rerun_on_fallback = false
 *   # Instance type `spotrunner plan` prices this runner's instances at when the provider does
 *   # not report one, e.g. "t4g.medium". Optional.
 *   instance_type = "t4g.medium"
 *   # File where the manager keeps instance and job state across restarts. Optional; when unset
 *   # the manager chooses a file beside config.toml.
 *   state_file = "/var/lib/spotrunner/state.json"
 *   # How long an instance spotrunner does not know about (left over from a crash) may live
 *   # before it is removed. Default "10m" ("0s" also means the default).
 *   orphan_grace = "10m"
 *   # How long an instance may take from first being listed to ready (still pending at the
 *   # cloud, or connecting and running instance_ready_command) before it is removed as a
 *   # failed start and scale-up backs off. Capacity requested this long ago that never
 *   # appeared is withdrawn from the provider. gitlab-runner has no such bound. Default "20m".
 *   instance_start_timeout = "20m"
 *
 *   # A secondary instance group (e.g. on-demand, or another region) used when the primary
 *   # group cannot launch capacity for `after`. Same plugin names as [runners.autoscaler].
 *   [runners.spotrunner.fallback]
 *     plugin = "aws"            # required; same forms as [runners.autoscaler] plugin
 *     after = "3m"              # how long the primary may fail to launch first; default "3m"
 *     probe_interval = "3m"     # while on the fallback, how often one instance is asked of
 *                               # the primary to see whether it launches again; default
 *                               # `after`, at least "1m"
 *     [runners.spotrunner.fallback.plugin_config]
 *       name = "ci-on-demand-asg"
 *       region = "us-east-1"
 * ```
 */
import { z } from 'zod';
import { parseDurationMs } from '../platform/durations.js';
import { MAX_DURATION_MS, MAX_DURATION_TEXT } from './defaults.js';

const STRING = 'expected a string';
const str = (): z.ZodString => z.string({ error: STRING });
const bool = (): z.ZodBoolean => z.boolean({ error: 'expected true or false' });
const whole = (min = 0, max?: number): z.ZodNumber => {
  const expected =
    max === undefined
      ? `expected a whole number ≥ ${min}`
      : `expected a whole number ${min}–${max}`;
  const base = z.int({ error: expected }).min(min, { error: expected });
  return max === undefined ? base : base.max(max, { error: expected });
};
const anyInt = (): z.ZodNumber => z.int({ error: 'expected a whole number' });
const num = (min: number): z.ZodNumber =>
  z
    .number({ error: `expected a number ≥ ${min}` })
    .min(min, { error: `expected a number ≥ ${min}` });
const strings = (): z.ZodArray<z.ZodString> =>
  z.array(str(), { error: 'expected a list of strings, e.g. ["a", "b"]' });
const oneOf = <const T extends readonly [string, ...string[]]>(
  values: T,
): z.ZodEnum<{ [K in T[number]]: K }> =>
  z.enum(values, {
    error: `expected one of ${values
      .filter((v) => v !== '')
      .map((v) => `"${v}"`)
      .join(', ')}`,
  });
const freeTable = (): z.ZodRecord<z.ZodString, z.ZodUnknown> =>
  z.record(z.string(), z.unknown(), { error: 'expected a table' });

/** Whether `v` is a Go-style duration string gitlab-runner accepts. */
export function isDuration(v: string): boolean {
  try {
    return parseDurationMs(v) >= 0;
  } catch {
    return false; // parseDurationMs throws on garbage; that is the answer here
  }
}

const duration = () =>
  z
    .union([z.string(), z.number()], { error: 'expected a duration such as "20m" or "1h30m"' })
    .superRefine((v, ctx) => {
      if (typeof v === 'number' && v !== 0) {
        ctx.addIssue({
          code: 'custom',
          message:
            'expected a duration string such as "20m" or "45s" (gitlab-runner reads a bare number as nanoseconds)',
        });
      } else if (typeof v === 'string' && !isDuration(v)) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected a duration ≥ 0 such as "20m", "1h30m" or "45s"',
        });
      } else if (typeof v === 'string' && parseDurationMs(v) > MAX_DURATION_MS) {
        ctx.addIssue({
          code: 'custom',
          message: `expected a duration of at most ${MAX_DURATION_TEXT}; a longer one is surely a mistake`,
        });
      }
    })
    .optional();

const datetime = () =>
  z
    .union([z.date(), z.string()], { error: 'expected a date-time such as 2025-07-07T12:04:50Z' })
    .refine((v) => typeof v !== 'string' || !Number.isNaN(Date.parse(v)), {
      error: 'expected a date-time such as 2025-07-07T12:04:50Z',
    })
    .optional();

const PULL_POLICIES = ['always', 'if-not-present', 'never'] as const;

export const connectorSchema = z.object({
  os: oneOf(['linux', 'windows', 'darwin', '']).optional(),
  arch: oneOf(['amd64', 'arm64', '386', '']).optional(),
  protocol: oneOf(['ssh', 'winrm', 'winrm+https', '']).optional(),
  protocol_port: whole(0, 65535).optional(),
  username: str().optional(),
  password: str().optional(),
  key_path: str().optional(),
  use_static_credentials: bool().optional(),
  keepalive: duration(),
  timeout: duration(),
  use_external_addr: bool().optional(),
});

export const policySchema = z.object({
  periods: strings().optional(),
  timezone: str().optional(),
  idle_count: whole(0).optional(),
  idle_time: duration(),
  scale_factor: num(0).optional(),
  scale_factor_limit: whole(0).optional(),
  preemptive_mode: bool().optional(),
});

export const scaleThrottleSchema = z.object({
  limit: num(-1).optional(),
  burst: whole(0).optional(),
});

export const stateStorageSchema = z.object({
  enabled: bool().optional(),
  dir: str().optional(),
  keep_instance_with_acquisitions: bool().optional(),
});

export const autoscalerSchema = z.object({
  plugin: str().optional(),
  capacity_per_instance: whole(0).optional(),
  max_use_count: whole(0).optional(),
  max_instances: whole(0).optional(),
  instance_ready_command: str().optional(),
  instance_acquire_timeout: duration(),
  update_interval: duration(),
  update_interval_when_expecting: duration(),
  deletion_retry_interval: duration(),
  shutdown_deletion_interval: duration(),
  shutdown_deletion_retries: whole(0).optional(),
  failure_threshold: whole(0).optional(),
  delete_instances_on_shutdown: bool().optional(),
  reservation_throttling: bool().optional(),
  scale_throttle: scaleThrottleSchema.optional(),
  state_storage: stateStorageSchema.optional(),
  plugin_config: freeTable().optional(),
  connector_config: connectorSchema.optional(),
  policy: z
    .array(policySchema, { error: 'expected [[runners.autoscaler.policy]] tables' })
    .optional(),
});

export const s3Schema = z.object({
  ServerAddress: str().optional(),
  AccessKey: str().optional(),
  SecretKey: str().optional(),
  SessionToken: str().optional(),
  BucketName: str().optional(),
  BucketLocation: str().optional(),
  Insecure: bool().optional(),
  PathStyle: bool().optional(),
  AuthenticationType: str().optional(),
  ServerSideEncryption: str().optional(),
  ServerSideEncryptionKeyID: str().optional(),
});

export const cacheSchema = z.object({
  Type: oneOf(['s3', 'gcs', 'azure', '']).optional(),
  Path: str().optional(),
  Shared: bool().optional(),
  MaxUploadedArchiveSize: whole(0).optional(),
  s3: s3Schema.optional(),
});

export const dockerSchema = z.object({
  image: str().optional(),
  privileged: bool().optional(),
  volumes: strings().optional(),
  extra_hosts: strings().optional(),
  shm_size: whole(0).optional(),
  memory: str().optional(),
  cpus: z
    .union([z.string(), z.number()], { error: 'expected a number of CPUs such as "1.5"' })
    .optional(),
  pull_policy: z
    .union([oneOf(PULL_POLICIES), z.array(oneOf(PULL_POLICIES))], {
      error: 'expected "always", "if-not-present", "never" or a list of them',
    })
    .optional(),
  allowed_pull_policies: z.array(oneOf(PULL_POLICIES)).optional(),
  helper_image: str().optional(),
  network_mtu: whole(0).optional(),
  disable_entrypoint_overwrite: bool().optional(),
  dns: strings().optional(),
  cap_add: strings().optional(),
  cap_drop: strings().optional(),
  tls_verify: bool().optional(),
  host: str().optional(),
  disable_cache: bool().optional(),
  user: str().optional(),
});

export const fallbackSchema = z.object({
  plugin: str().optional(),
  plugin_config: freeTable().optional(),
  after: duration(),
  probe_interval: duration(),
});

export const spotrunnerSchema = z.object({
  interruption_mode: oneOf(['rerun', 'fail']).optional(),
  max_reruns: whole(0).optional(),
  rerun_on_fallback: bool().optional(),
  fallback: fallbackSchema.optional(),
  instance_type: str().optional(),
  state_file: str().optional(),
  orphan_grace: duration(),
  instance_start_timeout: duration(),
  /** Settings only `spotrunner aws setup` reads (validated by src/aws-setup/setup-settings.ts). */
  aws_setup: freeTable().optional(),
});

/** `[runners.custom_build_dir]`: whether jobs may set GIT_CLONE_PATH. */
export const customBuildDirSchema = z.object({
  enabled: bool().optional(),
});

export const runnerSchema = z.object({
  name: str().optional(),
  id: whole(0).optional(),
  url: str().optional(),
  token: str().optional(),
  token_obtained_at: datetime(),
  token_expires_at: datetime(),
  'tls-ca-file': str().optional(),
  'tls-cert-file': str().optional(),
  'tls-key-file': str().optional(),
  executor: str().optional(),
  limit: whole(0).optional(),
  request_concurrency: anyInt().optional(),
  unhealthy_requests_limit: anyInt().optional(),
  unhealthy_interval: duration(),
  output_limit: anyInt().optional(),
  environment: strings().optional(),
  shell: oneOf(['bash', 'sh', 'pwsh', 'powershell', 'cmd', '']).optional(),
  builds_dir: str().optional(),
  cache_dir: str().optional(),
  clone_url: str().optional(),
  pre_get_sources_script: str().optional(),
  post_get_sources_script: str().optional(),
  pre_clone_script: str().optional(),
  post_clone_script: str().optional(),
  pre_build_script: str().optional(),
  post_build_script: str().optional(),
  debug_trace_disabled: bool().optional(),
  custom_build_dir: customBuildDirSchema.optional(),
  cache: cacheSchema.optional(),
  docker: dockerSchema.optional(),
  autoscaler: autoscalerSchema.optional(),
  spotrunner: spotrunnerSchema.optional(),
});

/**
 * The top-level `[spotrunner]` table: settings of the manager itself (not of one runner).
 *
 * ```toml
 * [spotrunner]
 *   # Serve the read-only web dashboard at / on listen_address. Default true.
 *   dashboard = true
 *   # File holding the token a non-loopback client must present to read the dashboard and its
 *   # API (Authorization: Bearer …). Without it the dashboard answers loopback clients only.
 *   dashboard_token_file = "/etc/spotrunner/dashboard-token"
 *   # Price the fleet with current spot prices (EC2 DescribeSpotPriceHistory, refreshed
 *   # hourly) instead of the bundled price table alone. Default false.
 *   live_prices = false
 *   # Price file (JSON or CSV, the format `plan --prices` reads) laid over the bundled table.
 *   prices_file = "/etc/spotrunner/prices.csv"
 *   # AWS region the dashboard prices instances in when the provider does not name one.
 *   price_region = "us-east-1"
 * ```
 */
export const managerSchema = z.object({
  dashboard: bool().optional(),
  dashboard_token_file: str().optional(),
  live_prices: bool().optional(),
  prices_file: str().optional(),
  price_region: str().optional(),
});

export const rootSchema = z.object({
  concurrent: whole(0).optional(),
  // Seconds; 0 means the default. Negative is no interval at all.
  check_interval: whole(0, MAX_DURATION_MS / 1000).optional(),
  log_level: oneOf(['debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic']).optional(),
  log_format: oneOf(['runner', 'text', 'json']).optional(),
  listen_address: str().optional(),
  shutdown_timeout: whole(0, MAX_DURATION_MS / 1000).optional(),
  connection_max_age: duration(),
  runners: z.array(runnerSchema, { error: 'expected [[runners]] tables' }).optional(),
  spotrunner: managerSchema.optional(),
});

export type RawConfig = z.infer<typeof rootSchema>;
export type RawRunner = z.infer<typeof runnerSchema>;
export type RawManager = z.infer<typeof managerSchema>;
export type RawAutoscaler = z.infer<typeof autoscalerSchema>;
export type RawPolicy = z.infer<typeof policySchema>;
export type RawConnector = z.infer<typeof connectorSchema>;
export type RawCache = z.infer<typeof cacheSchema>;
export type RawDocker = z.infer<typeof dockerSchema>;
export type RawSpotrunner = z.infer<typeof spotrunnerSchema>;
