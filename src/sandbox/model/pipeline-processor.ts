/**
 * Moves `created` jobs forward once what they wait for has finished (Ci::ProcessPipelineService):
 * stage order by default, `needs` when given; `when` decides between pending and skipped.
 */
import { pipelineComposite, priorStatus, type PriorStatus } from './composite-status.js';
import { isFinished, isPipelineFinished, type JobRecord, type PipelineRecord } from './records.js';

export interface ProcessResult {
  /** Jobs that became pending. */
  pending: JobRecord[];
  /** Jobs skipped, with the reason noted on the job. */
  skipped: JobRecord[];
}

/** The jobs a job waits for (latest attempts only). */
export function upstreamJobs(job: JobRecord, latest: readonly JobRecord[]): JobRecord[] {
  const needs = job.spec.needs;
  if (needs) {
    const names = new Set(needs.map((n) => n.job));
    return latest.filter((j) => names.has(j.name));
  }
  return latest.filter((j) => j.stageIndex < job.stageIndex);
}

function decide(job: JobRecord, prior: PriorStatus | undefined): 'run' | 'skip' | 'manual' {
  const isDag = job.spec.needs !== undefined;
  switch (job.spec.when) {
    case 'on_success':
    case 'delayed':
      if (prior === undefined || prior === 'success') return 'run';
      return prior === 'skipped' && !isDag ? 'run' : 'skip';
    case 'manual':
      return prior === undefined || prior === 'success' || (prior === 'skipped' && !isDag)
        ? 'manual'
        : 'skip';
    case 'on_failure':
      return prior === 'failed' ? 'run' : 'skip';
    case 'always':
      return prior === 'canceled' ? 'skip' : 'run';
    case 'never':
      return 'skip';
  }
}

/** The latest attempt of every job name in the pipeline. */
export function latestJobs(all: readonly JobRecord[]): JobRecord[] {
  return all.filter((j) => !j.retried);
}

/** Advances the pipeline until nothing changes; updates its status. */
export function processPipeline(
  pipeline: PipelineRecord,
  all: readonly JobRecord[],
  nowMs: number,
): ProcessResult {
  const result: ProcessResult = { pending: [], skipped: [] };
  const latest = latestJobs(all);
  for (let changed = true; changed;) {
    changed = false;
    for (const job of latest) {
      if (job.status !== 'created') continue;
      const upstream = upstreamJobs(job, latest);
      if (!upstream.every((j) => isFinished(j.status))) continue;
      const decision = decide(job, priorStatus(upstream));
      changed = true;
      if (decision === 'run') {
        job.status = 'pending';
        job.queuedAtMs = nowMs;
        result.pending.push(job);
        continue;
      }
      job.status = 'skipped';
      job.finishedAtMs = nowMs;
      if (decision === 'manual')
        job.notes.push('when: manual is not supported by the sandbox; the job was skipped');
      result.skipped.push(job);
    }
  }
  const composite = pipelineComposite(latest);
  pipeline.status = composite.status;
  pipeline.withWarnings = composite.withWarnings;
  if (isPipelineFinished(pipeline.status) && pipeline.finishedAtMs === undefined) {
    pipeline.finishedAtMs = nowMs;
  }
  return result;
}
