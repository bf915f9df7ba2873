/**
 * `workflow:auto_cancel` and `workflow:rules:auto_cancel` (Entry::AutoCancel). `on_job_failure:
 * all` is honoured: the first failed job that may not fail and is not retried cancels the rest
 * of the pipeline. `on_new_commit` has no effect in the sandbox: GitLab only cancels pipelines
 * of older commits of a ref, and the sandbox receives no pushes, so every pipeline of a ref is
 * for the ref's current commit.
 */
import type { CiAutoCancel } from './ci-config.js';
import type { CiIssues } from './ci-parts.js';
import { isMap } from './ci-values.js';

const ON_NEW_COMMIT = ['conservative', 'interruptible', 'none'] as const;
const ON_JOB_FAILURE = ['none', 'all'] as const;

/** GitLab's defaults (`Ci::Pipeline#auto_cancel_on_new_commit` / `_on_job_failure`). */
export const DEFAULT_AUTO_CANCEL: CiAutoCancel = {
  onNewCommit: 'conservative',
  onJobFailure: 'none',
};

function pick<T extends string>(
  value: unknown,
  allowed: readonly T[],
  where: string,
  issues: CiIssues,
): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value))
    return value as T;
  issues.errors.push(`${where} must be one of: ${allowed.join(', ')}`);
  return undefined;
}

/** Reads one `auto_cancel` hash; the keys it sets. */
export function parseAutoCancel(
  value: unknown,
  where: string,
  issues: CiIssues,
): Partial<CiAutoCancel> {
  if (value === undefined || value === null) return {};
  if (!isMap(value)) {
    issues.errors.push(`${where} config should be a hash`);
    return {};
  }
  const unknown = Object.keys(value).filter((k) => k !== 'on_new_commit' && k !== 'on_job_failure');
  if (unknown.length > 0)
    issues.errors.push(`${where} config contains unknown keys: ${unknown.join(', ')}`);
  const out: Partial<CiAutoCancel> = {};
  const onNewCommit = pick(value.on_new_commit, ON_NEW_COMMIT, `${where} on new commit`, issues);
  if (onNewCommit) {
    out.onNewCommit = onNewCommit;
    issues.warnings.push(
      `${where}:on_new_commit has no effect in the sandbox: it receives no pushes, so no pipeline is for an older commit`,
    );
  }
  const onJobFailure = pick(
    value.on_job_failure,
    ON_JOB_FAILURE,
    `${where} on job failure`,
    issues,
  );
  if (onJobFailure) out.onJobFailure = onJobFailure;
  return out;
}
