/**
 * The `info.features` block spotrunner sends to GitLab (gitlab-runner-protocol.md §2.1). GitLab
 * drops jobs that need a feature we do not declare (`runner_unsupported`) and changes behaviour
 * for some (two-phase commit, graceful cancel), so every flag must say what we really do.
 */
/** All 31 keys, in the order gitlab-runner emits them. */
export const FEATURE_KEYS = [
  'variables',
  'image',
  'services',
  'artifacts',
  'cache',
  'fallback_cache_keys',
  'shared',
  'upload_multiple_artifacts',
  'upload_raw_artifacts',
  'session',
  'terminal',
  'refspecs',
  'masking',
  'proxy',
  'raw_variables',
  'artifacts_exclude',
  'multi_build_steps',
  'trace_reset',
  'trace_checksum',
  'trace_size',
  'vault_secrets',
  'cancelable',
  'return_exit_code',
  'service_variables',
  'service_multiple_aliases',
  'image_executor_opts',
  'service_executor_opts',
  'cancel_gracefully',
  'native_steps_integration',
  'two_phase_job_commit',
  'job_inputs',
] as const;

export type FeatureKey = (typeof FEATURE_KEYS)[number];
export type RunnerFeatures = Record<FeatureKey, boolean>;

/** What every spotrunner executor implements. */
export const SPOTRUNNER_FEATURES: Readonly<RunnerFeatures> = Object.freeze({
  variables: true, // job variables are exported to every stage (file and raw ones included)
  image: false, // only container executors run `image:` (see CONTAINER_FEATURES)
  services: false, // only container executors start `services:`
  artifacts: true, // upload_artifacts stage (curl to /jobs/:id/artifacts from the instance)
  cache: true, // restore_cache/archive_cache through presigned S3 URLs
  fallback_cache_keys: true, // cache:fallback_keys and CACHE_FALLBACK_KEY are tried in order
  shared: false, // set per executor: builds share the host only on instance/shell
  upload_multiple_artifacts: true, // one upload per artifacts[] entry, reports included
  upload_raw_artifacts: true, // raw and gzip formats are uploaded as GitLab asks
  session: false, // no interactive session server
  terminal: false, // no web terminal
  refspecs: true, // git fetch uses git_info.refspecs (needed for merge-request pipelines)
  masking: true, // masked variables are replaced by [MASKED] in the trace writer
  proxy: false, // no service proxy
  raw_variables: true, // raw: true values are never expanded
  artifacts_exclude: true, // artifacts:exclude is applied when archiving
  multi_build_steps: false, // we do not run `release` steps, so GitLab must not send them
  trace_reset: true, // 416 and 412 rewind the trace offset and resend
  trace_checksum: true, // final PUT carries output.checksum (crc32)
  trace_size: true, // final PUT carries output.bytesize
  vault_secrets: false, // secrets: is not resolved
  cancelable: true, // Job-Status canceled aborts the job
  return_exit_code: true, // final PUT carries exit_code for allow_failure/retry exit codes
  service_variables: false, // container executors only
  service_multiple_aliases: false, // container executors only
  image_executor_opts: false, // executor_opts (platform/user) are not honoured yet
  service_executor_opts: false, // executor_opts (platform/user) are not honoured yet
  cancel_gracefully: true, // canceling stops the script, still runs after_script, then reports
  native_steps_integration: false, // `run:` steps are not executed natively
  two_phase_job_commit: true, // jobs stay pending (keep-alives) until capacity is ready
  job_inputs: false, // the inputs array is not used
});

/** Added for executors that run the job in containers (docker-autoscaler, docker). */
export const CONTAINER_FEATURES: Readonly<Partial<RunnerFeatures>> = Object.freeze({
  image: true,
  services: true,
  service_variables: true,
  service_multiple_aliases: true,
});

/** Added for executors whose builds share the host (instance, shell). */
export const SHARED_HOST_FEATURES: Readonly<Partial<RunnerFeatures>> = Object.freeze({
  shared: true,
});

/** The feature block for one executor, with optional overrides (tests, later executors). */
export function runnerFeatures(
  /** An ExecutorName; unknown executors get the base set. */
  executor: string,
  overrides: Partial<RunnerFeatures> = {},
): RunnerFeatures {
  const byExecutor =
    executor === 'docker-autoscaler' || executor === 'docker'
      ? CONTAINER_FEATURES
      : executor === 'instance' || executor === 'shell'
        ? SHARED_HOST_FEATURES
        : {};
  const merged = { ...SPOTRUNNER_FEATURES, ...byExecutor, ...overrides };
  // Re-emit in canonical key order so the JSON matches gitlab-runner's.
  const ordered = {} as RunnerFeatures;
  for (const key of FEATURE_KEYS) ordered[key] = merged[key];
  return ordered;
}
