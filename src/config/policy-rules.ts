/**
 * Policies that can never serve a job (autoscaler-semantics §2.5, §2.2). In preemptive mode the
 * runner asks GitLab for a job only when a ready instance has a free slot now; instances are
 * started only for the idle target (idle_count, or scale_factor × slots in use — none while no
 * job runs) or for jobs already taken. With idle_count = 0 no instance is ever started, so no job
 * is ever asked for: the runner sits idle while its jobs queue forever.
 */

/** The fields of a policy (compiled, or the fleet's) that decide whether it can serve a job. */
export interface PolicyServiceInput {
  idleCount: number;
  preemptiveMode?: boolean;
}

/** Why this policy can never serve a job, or undefined when it can. */
export function whyPolicyCannotServe(policy: PolicyServiceInput): string | undefined {
  const preemptive = policy.preemptiveMode ?? policy.idleCount > 0;
  if (preemptive && policy.idleCount === 0) {
    return (
      'preemptive_mode = true with idle_count = 0 can never serve a job: in preemptive mode a ' +
      'job is requested only when a ready instance has a free slot, and with no idle capacity ' +
      'to keep no instance is ever started; set idle_count ≥ 1 or preemptive_mode = false'
    );
  }
  return undefined;
}
