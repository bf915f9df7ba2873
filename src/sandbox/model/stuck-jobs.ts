/**
 * Stuck pending jobs, as GitLab shows them: a pending job no active runner can take
 * (`Ci::Build#stuck?`: a runner takes a job when the job's tags are a subset of the runner's
 * tags, an untagged job only when the runner has `run_untagged`). The texts are the job page's.
 */
import { latestJobs } from './pipeline-processor.js';
import { isExecuting, type JobRecord, type RunnerRecord } from './records.js';
import { runnerCanPick } from './runner-queue.js';

/** GitLab's text for a stuck job without tags. */
export const STUCK_NO_RUNNER =
  "This job is stuck because you don't have any active runners that can run this job.";

/** GitLab's text for a stuck job with tags; the tags follow it. */
export const STUCK_WITH_TAGS =
  "This job is stuck because of one of the following problems. There are no active runners online, no runners for the protected branch, or no runners that match all of the job's tags:";

/** The failure reason of a stuck pending job that is dropped (GitLab 19.0 split). */
export const STUCK_DROP_REASON = 'stuck_pending_no_matching_runners';

/** GitLab's stuck message for a pending job no unpaused runner can take; undefined otherwise. */
export function stuckMessage(job: JobRecord, runners: Iterable<RunnerRecord>): string | undefined {
  if (job.status !== 'pending' || job.runnerId !== undefined) return undefined;
  for (const runner of runners) if (!runner.paused && runnerCanPick(runner, job)) return undefined;
  const tags = job.spec.tags;
  return tags.length === 0 ? STUCK_NO_RUNNER : `${STUCK_WITH_TAGS} ${tags.join(', ')}`;
}

/**
 * The stuck jobs of a pipeline once nothing else in it can run (no job executing, assigned, or
 * pending for a runner that can take it); empty while something else still can.
 */
export function stuckWhenIdle(
  jobs: readonly JobRecord[],
  runners: readonly RunnerRecord[],
): { job: JobRecord; message: string }[] {
  const stuck: { job: JobRecord; message: string }[] = [];
  for (const job of latestJobs(jobs)) {
    if (isExecuting(job.status)) return [];
    if (job.status !== 'pending') continue;
    const message = stuckMessage(job, runners);
    if (message === undefined) return [];
    stuck.push({ job, message });
  }
  return stuck;
}
