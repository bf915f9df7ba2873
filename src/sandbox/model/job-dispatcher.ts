/** Picks the next job for a runner's `jobs/request` (RegisterJobService, protocol §2.2). */
import { buildJobPayload, dependencyJobs } from './build-job-payload.js';
import { latestJobs } from './pipeline-processor.js';
import { isExecuting, type JobRecord, type RunnerRecord } from './records.js';
import { missingFeatures } from './required-features.js';
import { runnerCanPick } from './runner-queue.js';
import type { SandboxEngine } from './sandbox-engine.js';
import type { SandboxStore } from './sandbox-store.js';

export interface DispatchDeps {
  store: SandboxStore;
  engine: SandboxEngine;
  nowMs: () => number;
}

export interface DispatchRequest {
  runner: RunnerRecord;
  systemId: string;
  features: Record<string, unknown>;
  serverUrl: string;
}

export type DispatchResult =
  { kind: 'job'; job: JobRecord; payload: Record<string, unknown> } | { kind: 'none' };

function candidates(store: SandboxStore, runner: RunnerRecord): JobRecord[] {
  return [...store.jobs.values()]
    .filter((j) => j.status === 'pending' && j.runnerId === undefined && runnerCanPick(runner, j))
    .sort((a, b) => a.id - b.id);
}

export function dispatchJob(deps: DispatchDeps, request: DispatchRequest): DispatchResult {
  const { store, engine } = deps;
  for (const job of candidates(store, request.runner)) {
    if (job.status !== 'pending' || job.runnerId !== undefined) continue;
    const missing = missingFeatures(job.spec, request.features);
    if (missing.length > 0) {
      job.notes.push(
        `runner ${request.runner.id} does not support required features: ${missing.join(', ')}`,
      );
      engine.drop(job, 'runner_unsupported');
      continue;
    }
    const pipeline = store.pipelines.get(job.pipelineId);
    const project = store.projects.get(job.projectId);
    if (!pipeline || !project) continue;
    engine.assign(job, request.runner, request.systemId, request.features);
    const all = store.pipelineJobs(pipeline.id);
    const payload = buildJobPayload({
      job,
      pipeline,
      project,
      runner: request.runner,
      serverUrl: request.serverUrl,
      dependencies: dependencyJobs(job, latestJobs(all)),
      features: request.features,
      runningInProject: [...store.jobs.values()].filter(
        (j) => j.projectId === project.id && isExecuting(j.status),
      ).length,
      nowMs: deps.nowMs(),
    });
    return { kind: 'job', job, payload };
  }
  return { kind: 'none' };
}
