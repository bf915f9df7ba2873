/**
 * Test support: runs a parsed CI config through the real job state machine without HTTP or git,
 * reporting each job with a scripted outcome per attempt.
 */
import { VirtualClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import type { CiConfig } from '../ci/ci-config.js';
import { effectiveAllowFailure } from '../model/composite-status.js';
import { newJobRecord } from '../model/job-factory.js';
import type { PipelineRecord } from '../model/records.js';
import { addRunner } from '../model/runner-registry.js';
import { RunnerQueue } from '../model/runner-queue.js';
import { SandboxEngine } from '../model/sandbox-engine.js';
import { SandboxStore } from '../model/sandbox-store.js';
import { compileSandboxOptions } from '../sandbox-options.js';

/** `success`, `failed`, `failed:<exit code>` or `failed:<reason>`; a list gives one per attempt. */
export type ScriptedOutcome = string | string[];

export interface SimulatedJob {
  status: string;
  failureReason?: string;
  allowFailure: boolean;
  attempts: number;
}

export interface SimulationResult {
  pipeline: string;
  withWarnings: boolean;
  jobs: Record<string, SimulatedJob>;
  /** Job names in the order they were started. */
  order: string[];
}

function parseOutcome(text: string): {
  state: 'success' | 'failed';
  exitCode?: number;
  reason?: string;
} {
  if (text === 'success') return { state: 'success' };
  const detail = text.split(':')[1];
  if (detail === undefined) return { state: 'failed', reason: 'script_failure', exitCode: 1 };
  if (/^\d+$/.test(detail))
    return { state: 'failed', reason: 'script_failure', exitCode: Number(detail) };
  return { state: 'failed', reason: detail };
}

export function simulatePipeline(
  config: CiConfig,
  outcomes: Record<string, ScriptedOutcome>,
): SimulationResult {
  const clock = new VirtualClock();
  const settings = compileSandboxOptions({ dataDir: '/nonexistent' }, 'GR1348941test');
  const store = new SandboxStore();
  const engine = new SandboxEngine({
    clock,
    logger: silentLogger,
    store,
    queue: new RunnerQueue(),
    settings,
  });
  const runner = addRunner(store, { tags: [] }, false, clock.now());
  runner.runUntagged = true;
  const pipeline: PipelineRecord = {
    id: store.nextId('pipeline'),
    iid: 1,
    projectId: 1,
    ref: 'main',
    refType: 'branch',
    sha: 'a'.repeat(40),
    beforeSha: '0'.repeat(40),
    commitMessage: 'test',
    commitAuthor: 'Sandbox User <sandbox@spotrunner.invalid>',
    commitTimestamp: '1970-01-01T00:00:00Z',
    status: 'created',
    withWarnings: false,
    autoCancelOnJobFailure: config.autoCancel.onJobFailure,
    variables: [],
    warnings: [],
    errors: [],
    jobIds: [],
    createdAtMs: clock.now(),
  };
  store.pipelines.set(pipeline.id, pipeline);
  for (const spec of config.jobs) {
    store.addJob(
      newJobRecord({
        id: store.nextId('job'),
        pipelineId: pipeline.id,
        projectId: 1,
        spec,
        stageIndex: config.stages.indexOf(spec.stage),
        nowMs: clock.now(),
        traceSecrets: [],
      }),
    );
  }
  engine.process(pipeline.id);
  const attempts = new Map<string, number>();
  const order: string[] = [];
  for (let guard = 0; guard < 1000; guard++) {
    const job = store.pipelineJobs(pipeline.id).find((j) => j.status === 'pending');
    if (!job) break;
    const n = attempts.get(job.name) ?? 0;
    attempts.set(job.name, n + 1);
    order.push(job.name);
    const scripted = outcomes[job.name] ?? 'success';
    const text = Array.isArray(scripted)
      ? (scripted[n] ?? scripted[scripted.length - 1] ?? 'success')
      : scripted;
    const outcome = parseOutcome(text);
    engine.assign(job, runner, 's_test', {});
    engine.finish(job, {
      state: outcome.state,
      ...(outcome.reason ? { failureReason: outcome.reason } : {}),
      ...(outcome.exitCode !== undefined ? { exitCode: outcome.exitCode } : {}),
    });
  }
  const jobs: Record<string, SimulatedJob> = {};
  for (const job of store.pipelineJobs(pipeline.id).filter((j) => !j.retried)) {
    jobs[job.name] = {
      status: job.status,
      ...(job.failureReason ? { failureReason: job.failureReason } : {}),
      allowFailure: effectiveAllowFailure(job),
      attempts: attempts.get(job.name) ?? 0,
    };
  }
  engine.stop();
  return { pipeline: pipeline.status, withWarnings: pipeline.withWarnings, jobs, order };
}
