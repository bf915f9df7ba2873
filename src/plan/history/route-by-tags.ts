/**
 * Which jobs of a history one runner would take, by GitLab's tag rule: a runner picks a job
 * when every tag of the job is among the runner's tags; an untagged job only when the runner
 * runs untagged jobs. Tags live in GitLab, not in config.toml, so the planner is told them.
 */
import { UserError } from '../../platform/errors.js';
import { historySpan, type History, type JobRecord } from './job-record.js';

export interface RunnerTags {
  tags: readonly string[];
  runUntagged: boolean;
}

export function runnerTakesJob(runner: RunnerTags, job: Pick<JobRecord, 'tags'>): boolean {
  if (job.tags.length === 0) return runner.runUntagged;
  return job.tags.every((t) => runner.tags.includes(t));
}

/**
 * The history as this runner sees it: only the jobs it would take, over the whole history's
 * span (so a month is still a month when most jobs went elsewhere). Throws a UserError when the
 * runner would take none.
 */
export function routeHistory(history: History, runner: RunnerTags): History {
  const { startMs, spanMs } = historySpan(history);
  const jobs = history.jobs.filter((j) => runnerTakesJob(runner, j));
  if (jobs.length === 0) {
    const seen = [...new Set(history.jobs.flatMap((j) => j.tags))].sort();
    throw new UserError(
      `no job of the ${history.jobs.length} in the history would go to a runner with tags ` +
        `[${runner.tags.join(', ')}]${runner.runUntagged ? ' that runs untagged jobs' : ' and no untagged jobs'}` +
        ` (tags in the history: ${seen.length > 0 ? seen.join(', ') : 'none'})`,
    );
  }
  return {
    ...history,
    jobs,
    spanMs,
    spanStartMs: startMs,
    routing: { ...runner, jobsForOtherRunners: history.jobs.length - jobs.length },
  };
}
