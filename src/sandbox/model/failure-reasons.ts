/** GitLab's `failure_reason` enum (protocol §8.1) as the sandbox knows it, plus retry helpers. */

export const FAILURE_REASONS = [
  'unknown_failure',
  'script_failure',
  'api_failure',
  'stuck_or_timeout_failure',
  'runner_system_failure',
  'missing_dependency_failure',
  'runner_unsupported',
  'stale_schedule',
  'job_execution_timeout',
  'archived_failure',
  'unmet_prerequisites',
  'scheduler_failure',
  'data_integrity_failure',
  'forward_deployment_failure',
  'user_blocked',
  'project_deleted',
  'ci_quota_exceeded',
  'pipeline_loop_detected',
  'no_matching_runner',
  'trace_size_exceeded',
  'builds_disabled',
  'environment_creation_failure',
  'deployment_rejected',
  'failed_outdated_deployment_job',
  'job_execution_server_timeout',
  'stuck_pending_with_matching_runners',
  'stuck_pending_no_matching_runners',
  'no_updates_running',
  'no_updates_canceling',
  'server_timeout_running',
  'server_timeout_canceling',
  'runner_configuration_error',
  'runner_external_dependency_failure',
  'runner_interrupted',
  'runner_provisioning_timeout',
  'job_token_expired',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Unknown or missing reasons become `unknown_failure`, as Rails does. */
export function normalizeFailureReason(reason: unknown): FailureReason {
  return typeof reason === 'string' && (FAILURE_REASONS as readonly string[]).includes(reason)
    ? (reason as FailureReason)
    : 'unknown_failure';
}

/** Old names in `retry:when` that stand for the 19.0 split reasons. */
const ALIASES: Record<string, readonly string[]> = {
  stuck_or_timeout_failure: [
    'stuck_pending_with_matching_runners',
    'stuck_pending_no_matching_runners',
    'no_updates_running',
    'no_updates_canceling',
  ],
  job_execution_timeout: ['server_timeout_running', 'server_timeout_canceling'],
};

/** Reasons never retried whatever `retry` says. */
const NEVER_RETRIED = new Set([
  'ci_quota_exceeded',
  'no_matching_runner',
  'missing_dependency_failure',
  'forward_deployment_failure',
  'environment_creation_failure',
]);

/** Built-in retries when `retry` does not match. */
const DEFAULT_RETRIES: Record<string, number> = {
  scheduler_failure: 2,
  runner_provisioning_timeout: 2,
};

export interface RetryRule {
  max?: number;
  when: readonly string[];
  exitCodes: readonly number[];
}

function whenMatches(when: readonly string[], reason: string): boolean {
  return when.some(
    (w) => w === 'always' || w === reason || (ALIASES[w]?.includes(reason) ?? false),
  );
}

/**
 * How many retries a failure allows (protocol §8.3): `max` when the reason (or `always`) is in
 * `when` or the exit code is in `exit_codes`, else the built-in default for the reason. Without
 * `max` (no `retry`, or the gotcha `retry: {when: [...]}`) only the built-in defaults apply.
 */
export function allowedRetries(
  rule: RetryRule,
  reason: string,
  exitCode: number | undefined,
): number {
  if (NEVER_RETRIED.has(reason)) return 0;
  const codeMatches = exitCode !== undefined && rule.exitCodes.includes(exitCode);
  if (rule.max !== undefined && (codeMatches || whenMatches(rule.when, reason))) return rule.max;
  return DEFAULT_RETRIES[reason] ?? 0;
}
