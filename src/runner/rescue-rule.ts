/**
 * What happens to a job whose instance was taken back (spot termination notice, or the
 * instance vanished) while it ran: `interruption_mode = "rerun"` runs it again from the start on
 * another instance, at most `max_reruns` times; after that, or with `interruption_mode = "fail"`,
 * the job fails as a runner system failure (so GitLab's `retry:` rules apply). One rule for the
 * runner (job-handler.ts) and the plan replay (plan/replay/runner-model.ts).
 */
export interface RescuePolicy {
  readonly interruptionMode: 'rerun' | 'fail';
  readonly maxReruns: number;
}

export type RescueDecision =
  /** Run again elsewhere; `rerun` is this rerun's number (1 for the first). */
  | { readonly action: 'rerun'; readonly rerun: number }
  | { readonly action: 'fail'; readonly because: 'interruption_mode' | 'max_reruns' };

/** The decision for a job that lost its instance after `rerunsSoFar` reruns. */
export function decideRescue(policy: RescuePolicy, rerunsSoFar: number): RescueDecision {
  if (policy.interruptionMode === 'fail') return { action: 'fail', because: 'interruption_mode' };
  if (rerunsSoFar >= policy.maxReruns) return { action: 'fail', because: 'max_reruns' };
  return { action: 'rerun', rerun: rerunsSoFar + 1 };
}
