/**
 * gitlab-runner's defaults (and spotrunner's, for its own table). A Go zero value in the file
 * (`0`, `"0s"`, `""`) means "use the default", exactly as gitlab-runner reads it.
 */
export const DEFAULTS = {
  concurrent: 1,
  checkIntervalMs: 3_000,
  shutdownTimeoutMs: 30_000,
  connectionMaxAgeMs: 15 * 60_000,
  logLevel: 'info',
  logFormat: 'runner',
  /** KiB. */
  outputLimitKiB: 4096,
  requestConcurrency: 1,
  unhealthyRequestsLimit: 3,
  unhealthyIntervalMs: 60 * 60_000,
  shell: 'bash',
  capacityPerInstance: 1,
  instanceAcquireTimeoutMs: 15 * 60_000,
  updateIntervalMs: 60_000,
  updateIntervalWhenExpectingMs: 2_000,
  deletionRetryIntervalMs: 60_000,
  shutdownDeletionIntervalMs: 10_000,
  shutdownDeletionRetries: 3,
  failureThreshold: 3,
  reservationThrottling: true,
  scaleThrottleLimitPerSec: 100,
  /** Fleeting's connector defaults are not documented by gitlab-runner; these are spotrunner's. */
  connectorKeepaliveMs: 30_000,
  connectorTimeoutMs: 10 * 60_000,
  policyPeriods: ['* * * * *'],
  /** idle_time of the catch-all policy used when a runner has no [[runners.autoscaler.policy]]. */
  policyIdleTimeMs: 5 * 60_000,
  /** Scale-up backoff after failed ready-ups (taskscaler, gitlab-runner 17.0): base and cap. */
  readyUpBackoffBaseMs: 5_000,
  readyUpBackoffMaxMs: 5 * 60_000,
  s3ServerAddress: 's3.amazonaws.com',
  s3BucketLocation: 'us-east-1',
  pullPolicy: 'always',
  interruptionMode: 'rerun',
  maxReruns: 2,
  rerunOnFallback: false,
  fallbackAfterMs: 3 * 60_000,
  /** The fallback's default probe interval is its `after`, but never under this. */
  fallbackProbeIntervalMinMs: 60_000,
  orphanGraceMs: 10 * 60_000,
  instanceStartTimeoutMs: 20 * 60_000,
} as const;

/**
 * The longest duration any setting takes: 7 days. Go accepts far more ("10000h"), but no
 * interval, timeout or idle time of a runner manager is meant to be longer than a week; such a
 * value is a typo (an extra zero, hours meant as minutes).
 */
export const MAX_DURATION_MS = 7 * 24 * 3_600_000;
export const MAX_DURATION_TEXT = '168h (7 days)';

/** Supported by spotrunner. */
export const SUPPORTED_EXECUTORS = ['instance', 'docker-autoscaler', 'shell', 'docker'] as const;

/** gitlab-runner executors spotrunner does not run. */
export const OTHER_GITLAB_EXECUTORS = [
  'kubernetes',
  'docker+machine',
  'docker-windows',
  'custom',
  'virtualbox',
  'parallels',
  'ssh',
  'docker-ssh',
  'docker-ssh+machine',
] as const;
