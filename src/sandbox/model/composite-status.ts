/** GitLab's composite status of a group of jobs (Gitlab::Ci::Status::Composite), simplified. */
import type { JobRecord, PipelineStatus } from './records.js';

export type PriorStatus = 'success' | 'failed' | 'canceled' | 'skipped';

/** Failed jobs that may fail count as success (with warnings). */
export function effectiveAllowFailure(job: JobRecord): boolean {
  if (job.spec.allowFailure) return true;
  return job.exitCode !== undefined && job.spec.allowFailureExitCodes.includes(job.exitCode);
}

/** Status of finished jobs seen by the jobs after them; undefined when there are none. */
export function priorStatus(jobs: readonly JobRecord[]): PriorStatus | undefined {
  if (jobs.length === 0) return undefined;
  const states = jobs.map((j) =>
    j.status === 'failed' && effectiveAllowFailure(j) ? 'success' : j.status,
  );
  if (states.every((s) => s === 'skipped')) return 'skipped';
  if (states.includes('failed')) return 'failed';
  if (states.includes('canceled')) return 'canceled';
  return 'success';
}

export interface PipelineComposite {
  status: PipelineStatus;
  withWarnings: boolean;
}

/** Pipeline status from its latest jobs. */
export function pipelineComposite(jobs: readonly JobRecord[]): PipelineComposite {
  const withWarnings = jobs.some((j) => j.status === 'failed' && effectiveAllowFailure(j));
  if (jobs.length === 0) return { status: 'created', withWarnings };
  const s = new Set(jobs.map((j) => j.status));
  if (s.has('running') || s.has('canceling')) return { status: 'running', withWarnings };
  if (s.has('pending')) {
    const started = jobs.some((j) => j.status !== 'pending' && j.status !== 'created');
    return { status: started ? 'running' : 'pending', withWarnings };
  }
  if (s.has('created')) return { status: 'running', withWarnings };
  if ([...s].every((x) => x === 'skipped')) return { status: 'skipped', withWarnings };
  if (jobs.some((j) => j.status === 'failed' && !effectiveAllowFailure(j))) {
    return { status: 'failed', withWarnings };
  }
  if (s.has('canceled')) return { status: 'canceled', withWarnings };
  return { status: 'success', withWarnings };
}
