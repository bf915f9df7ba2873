/**
 * Which pull policies apply to an image, as gitlab-runner decides: the job's
 * `image:pull_policy` list overrides `[runners.docker] pull_policy`, and every policy used
 * must be in `allowed_pull_policies` (which defaults to the runner's `pull_policy`).
 */
import type { CompiledDocker } from '../../config/types.js';

export const PULL_POLICIES = ['always', 'if-not-present', 'never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export type PullPolicyDecision = { policies: PullPolicy[] } | { error: string };

function isPullPolicy(value: string): value is PullPolicy {
  return (PULL_POLICIES as readonly string[]).includes(value);
}

export function resolvePullPolicies(
  jobPolicies: readonly string[],
  docker: Pick<CompiledDocker, 'pullPolicy' | 'allowedPullPolicies'>,
): PullPolicyDecision {
  const fromJob = jobPolicies.map((p) => p.trim()).filter((p) => p !== '');
  const unknown = fromJob.filter((p) => !isPullPolicy(p));
  if (unknown.length > 0) {
    return {
      error: `unsupported pull_policy ${unknown.map((p) => `"${p}"`).join(', ')} in the GitLab pipeline config; expected one of ${PULL_POLICIES.join(', ')}`,
    };
  }
  const source = fromJob.length > 0 ? 'GitLab pipeline config' : 'Runner config';
  const wanted: PullPolicy[] =
    fromJob.length > 0
      ? dedupe(fromJob.filter(isPullPolicy))
      : dedupe(docker.pullPolicy.length > 0 ? docker.pullPolicy : ['always']);
  const allowed =
    docker.allowedPullPolicies && docker.allowedPullPolicies.length > 0
      ? docker.allowedPullPolicies
      : docker.pullPolicy;
  const policies = wanted.filter((p) => allowed.includes(p));
  if (policies.length === 0) {
    return {
      error: `pull_policy ([${wanted.join(' ')}]) defined in ${source} is not one of the allowed_pull_policies ([${allowed.join(' ')}])`,
    };
  }
  return { policies };
}

function dedupe(list: readonly PullPolicy[]): PullPolicy[] {
  return [...new Set(list)];
}
