/**
 * The compiled, validated configuration every other layer receives. Units are in the names.
 * Produced by `loadConfig()` from a gitlab-runner style config.toml; frozen.
 */
import type { ConfigIssue } from '../platform/errors.js';
import type { LogLevel } from '../platform/logger.js';
import type { CompiledProvider, ProviderKind } from './provider-types.js';

export type * from './provider-types.js';

export type ExecutorName = 'instance' | 'docker-autoscaler' | 'shell' | 'docker';

export interface CompiledConfig {
  /** Absolute path of the config file. */
  file: string;
  /** Directory holding the config (and `.runner_system_id`, state files). */
  dir: string;
  concurrent: number;
  checkIntervalMs: number;
  listenAddress?: string;
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
  logFormat: 'json' | 'text' | 'runner';
  connectionMaxAgeMs: number;
  runners: readonly CompiledRunner[];
  /** The manager's own settings, from the top-level `[spotrunner]` table (schema.ts). */
  manager: CompiledManagerOptions;
  /**
   * Keys accepted by gitlab-runner that spotrunner does not act on yet, plus other non-fatal
   * findings (missing url/token, deprecated keys, unsupported plugins, idle_time below 1s).
   */
  warnings: readonly ConfigIssue[];
}

export interface CompiledManagerOptions {
  /** Serve the dashboard at / on listen_address. */
  dashboard: boolean;
  /** Absolute path of the file holding the dashboard token for non-loopback clients. */
  dashboardTokenFile?: string;
  /** Price with current spot prices (DescribeSpotPriceHistory) over the bundled table. */
  livePrices: boolean;
  /** Absolute path of a price file laid over the bundled table. */
  pricesFile?: string;
  /** Region to price in when the provider names none. */
  priceRegion?: string;
}

export interface CompiledRunner {
  /** Index in the file's [[runners]] list. */
  index: number;
  /** Line of the `[[runners]]` header. */
  line?: number;
  name: string;
  id?: number;
  /** GitLab URL; '' when the entry has none yet (config check flags it; the runner cannot poll). */
  url: string;
  /** Runner authentication token; '' when missing (see `url`). */
  token: string;
  /** `tls-ca-file`, `tls-cert-file`, `tls-key-file`: TLS to GitLab (CA bundle, client cert/key). */
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tokenObtainedAtMs?: number;
  tokenExpiresAtMs?: number;
  executor: ExecutorName;
  /** Most concurrent jobs for this runner; 0 = unlimited (bounded by `concurrent`). */
  limit: number;
  requestConcurrency: number;
  /** Unhealthy answers to job requests (403, transport errors) before requests pause; default 3. */
  unhealthyRequestsLimit: number;
  /** How long requests pause after that; default 60 min. */
  unhealthyIntervalMs: number;
  /** Trace size limit in bytes (`output_limit` KiB × 1024; default 4 MiB). */
  outputLimitBytes: number;
  environment: readonly string[];
  shell: string;
  buildsDir?: string;
  cacheDir?: string;
  preGetSourcesScript?: string;
  postGetSourcesScript?: string;
  preBuildScript?: string;
  postBuildScript?: string;
  cloneUrl?: string;
  debugTraceDisabled: boolean;
  /** `[runners.custom_build_dir] enabled`; unset = the executor's default (docker on, shell off). */
  customBuildDirEnabled?: boolean;
  cache?: CompiledCache;
  docker?: CompiledDocker;
  autoscaler?: CompiledAutoscaler;
  spotrunner: CompiledSpotrunnerOptions;
  /** The fleet engine's options (from `autoscaler`, or the manager itself for shell/docker). */
  fleet: CompiledFleet;
}

export interface CompiledCache {
  type: 's3' | 'local' | 'gcs' | 'azure';
  path: string;
  shared: boolean;
  maxUploadedArchiveSizeBytes: number;
  s3?: CompiledS3Cache;
}

export interface CompiledS3Cache {
  serverAddress: string;
  accessKey?: string;
  secretKey?: string;
  sessionToken?: string;
  bucketName: string;
  bucketLocation: string;
  insecure: boolean;
  pathStyle?: boolean;
  serverSideEncryption?: string;
  serverSideEncryptionKeyId?: string;
  authenticationType?: 'iam' | 'access-key';
}

export interface CompiledDocker {
  image: string;
  privileged: boolean;
  volumes: readonly string[];
  extraHosts: readonly string[];
  shmSizeBytes: number;
  memoryBytes?: number;
  cpus?: number;
  pullPolicy: readonly ('always' | 'if-not-present' | 'never')[];
  allowedPullPolicies?: readonly ('always' | 'if-not-present' | 'never')[];
  helperImage?: string;
  networkMtu: number;
  disableEntrypointOverwrite: boolean;
  dns: readonly string[];
  capAdd: readonly string[];
  capDrop: readonly string[];
  tlsVerify: boolean;
  host?: string;
  disableCache: boolean;
  user?: string;
}

export interface CompiledConnector {
  os?: 'linux' | 'windows' | 'darwin';
  arch?: 'amd64' | 'arm64' | '386';
  protocol: 'ssh' | 'winrm' | 'winrm+https';
  port?: number;
  username?: string;
  password?: string;
  keyPath?: string;
  useStaticCredentials: boolean;
  keepaliveMs: number;
  timeoutMs: number;
  useExternalAddr: boolean;
}

export interface CompiledPolicy {
  periods: readonly string[];
  /** IANA zone; undefined = the manager's local zone. */
  timezone?: string;
  idleCount: number;
  idleTimeMs: number;
  scaleFactor: number;
  scaleFactorLimit: number;
  preemptiveMode: boolean;
  line?: number;
}

export interface CompiledAutoscaler {
  plugin: string;
  /** `aws`, `static`, `local` or `sim`, derived from `plugin` (same as `provider.kind`). */
  providerKind: ProviderKind;
  /** `plugin_config` as written (for display); `provider` holds it validated. */
  pluginConfig: Readonly<Record<string, unknown>>;
  provider: CompiledProvider;
  connector: CompiledConnector;
  capacityPerInstance: number;
  maxUseCount: number;
  /** 0 = the provider's own maximum. */
  maxInstances: number;
  instanceReadyCommand?: string;
  instanceAcquireTimeoutMs: number;
  updateIntervalMs: number;
  updateIntervalWhenExpectingMs: number;
  deletionRetryIntervalMs: number;
  shutdownDeletionIntervalMs: number;
  shutdownDeletionRetries: number;
  failureThreshold: number;
  deleteInstancesOnShutdown: boolean;
  reservationThrottling: boolean;
  /** Instance creations per second (`scale_throttle.limit`, 0 → 100); -1 = unlimited. */
  scaleThrottleLimitPerSec: number;
  /** Token-bucket size (default max_instances, or the limit when that is 0); 0 when unlimited. */
  scaleThrottleBurst: number;
  stateStorage: { enabled: boolean; dir?: string; keepInstanceWithAcquisitions: boolean };
  policies: readonly CompiledPolicy[];
}

/**
 * Everything the fleet engine takes, defaults applied (it keeps none of its own); `run` adds
 * what to do with instances found at start.
 */
export interface CompiledFleet {
  capacityPerInstance: number;
  maxUseCount: number;
  maxInstances: number;
  instanceAcquireTimeoutMs: number;
  updateIntervalMs: number;
  updateIntervalWhenExpectingMs: number;
  deletionRetryIntervalMs: number;
  shutdownDeletionIntervalMs: number;
  shutdownDeletionRetries: number;
  failureThreshold: number;
  deleteInstancesOnShutdown: boolean;
  reservationThrottling: boolean;
  scaleThrottleLimitPerSec: number;
  scaleThrottleBurst: number;
  /** Never empty: the catch-all default when the file has no policy. */
  policies: readonly CompiledPolicy[];
  readyUpBackoffBaseMs: number;
  readyUpBackoffMaxMs: number;
  readyUpRetryBaseMs: number;
  readyUpRetryMaxMs: number;
  instanceStartTimeoutMs: number;
}

/** spotrunner's own additions, from `[runners.spotrunner]`. */
export interface CompiledSpotrunnerOptions {
  /** What to do with a job whose instance is taken back: rerun it elsewhere, or fail it. */
  interruptionMode: 'rerun' | 'fail';
  /** How many times one job may be rerun after interruptions. */
  maxReruns: number;
  /** Run rescued jobs on the fallback group when there is one. */
  rerunOnFallback: boolean;
  /** A secondary group used when the primary cannot launch capacity. */
  fallback?: {
    plugin: string;
    providerKind: ProviderKind;
    pluginConfig: Readonly<Record<string, unknown>>;
    provider: CompiledProvider;
    afterMs: number;
    /** While on the fallback, how often the primary is probed with one instance. */
    probeIntervalMs: number;
  };
  /** Instance types and prices for `plan` (hourly USD). */
  instanceType?: string;
  stateFile?: string;
  orphanGraceMs: number;
  /** How long an instance may take from first listed to ready before it is removed. */
  instanceStartTimeoutMs: number;
  /** `[runners.spotrunner.aws_setup]` as written; only `spotrunner aws setup` validates it. */
  awsSetup?: Readonly<Record<string, unknown>>;
}
