/**
 * Maps the reason spotrunner failed a job to one the GitLab instance knows
 * (gitlab-runner-protocol.md §8.2, gitlab-runner `common/failure_reason_mapper.go`).
 */

/** Reasons every GitLab version accepts. */
export const ALWAYS_SUPPORTED_FAILURE_REASONS = [
  'script_failure',
  'runner_system_failure',
  'job_execution_timeout',
] as const;

/** Newer reasons and what to send instead when the instance does not list them. */
export const FAILURE_REASON_COMPAT: Readonly<Record<string, string>> = Object.freeze({
  image_pull_failure: 'runner_system_failure',
  runner_configuration_error: 'script_failure',
  runner_external_dependency_failure: 'runner_system_failure',
});

/**
 * The reason to send in `PUT state=failed`. `supported` is `job.features.failure_reasons`.
 * Empty means `script_failure`; `job_canceled` (a finished graceful cancel) is always
 * `unknown_failure`; anything unknown without a compat mapping is `unknown_failure`.
 */
export function mapFailureReason(
  reason: string | undefined,
  supported: readonly string[] = [],
): string {
  if (!reason) return 'script_failure';
  if (reason === 'job_canceled') return 'unknown_failure';
  const isSupported = (r: string): boolean =>
    (ALWAYS_SUPPORTED_FAILURE_REASONS as readonly string[]).includes(r) || supported.includes(r);
  if (isSupported(reason)) return reason;
  const compat = FAILURE_REASON_COMPAT[reason];
  if (compat !== undefined && isSupported(compat)) return compat;
  return 'unknown_failure';
}
