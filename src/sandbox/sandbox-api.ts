/** The typed in-process API of the sandbox, used by tests, the CLI and `/sandbox/api`. */
import { SpotrunnerError } from '../platform/errors.js';
import { stripAnsi } from './ansi.js';
import type { FaultSwitches } from './http/fault-switches.js';
import type { SandboxContext } from './http/sandbox-context.js';
import { effectiveAllowFailure } from './model/composite-status.js';
import { isPipelineFinished, type JobRecord } from './model/records.js';
import { addRunner, type CreateRunnerOptions } from './model/runner-registry.js';
import { stuckMessage } from './model/stuck-jobs.js';
import type { CreateProjectOptions } from './project-config.js';
import type { CreatePipelineOptions } from './project-service.js';
import {
  jobView,
  pipelineView,
  projectView,
  runnerView,
  type JobView,
  type PipelineView,
  type ProjectView,
  type RunnerView,
} from './sandbox-views.js';

export interface WaitOptions {
  /** Give up after this long (on the server's clock); default 10 min. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface SandboxApi {
  readonly registrationToken: string;
  readonly faults: FaultSwitches;
  createProject(options: CreateProjectOptions): Promise<ProjectView>;
  createPipeline(projectId: number, options?: CreatePipelineOptions): Promise<PipelineView>;
  /** True when the job changed state (`canceling` or `canceled`). */
  cancelJob(id: number, options?: { force?: boolean }): boolean;
  /**
   * Cancels every unfinished job of the pipeline; `force` (the default) ends running jobs at
   * once, `force: false` lets them cancel gracefully (`canceling`: their after_script runs).
   */
  cancelPipeline(id: number, options?: { force?: boolean }): boolean;
  projects(): ProjectView[];
  pipelines(projectId?: number): PipelineView[];
  pipeline(id: number): PipelineView | undefined;
  job(id: number): JobView | undefined;
  /** The stored trace (job token hidden); `plain` strips ANSI and section markers. */
  trace(id: number, options?: { plain?: boolean }): string | undefined;
  /** Path of a stored artifact file. */
  artifactPath(jobId: number, type?: string): string | undefined;
  createRunner(options?: CreateRunnerOptions): { id: number; token: string };
  runners(): RunnerView[];
  /** Resolves once the pipeline has finished (success, failed, canceled, skipped). */
  waitForPipeline(id: number, options?: WaitOptions): Promise<PipelineView>;
  /** Called after every state change; returns the unsubscribe function. */
  onChange(fn: () => void): () => void;
}

export function createSandboxApi(ctx: SandboxContext): SandboxApi {
  const { store, engine } = ctx;
  const viewJob = (job: JobRecord): JobView =>
    jobView(
      job,
      effectiveAllowFailure(job),
      job.stuckMessage ?? stuckMessage(job, store.runners.values()),
    );
  const viewPipeline = (id: number): PipelineView | undefined => {
    const pipeline = store.pipelines.get(id);
    return pipeline && pipelineView(pipeline, store.pipelineJobs(id).map(viewJob));
  };
  const mustView = (id: number): PipelineView => {
    const view = viewPipeline(id);
    if (!view) throw new SpotrunnerError('not_found', `pipeline ${id} does not exist`);
    return view;
  };
  return {
    registrationToken: ctx.settings.registrationToken,
    faults: ctx.faults,
    async createProject(options) {
      return projectView(await ctx.projects.createProject(options));
    },
    async createPipeline(projectId, options) {
      return mustView((await ctx.projects.createPipeline(projectId, options)).id);
    },
    cancelJob(id, options) {
      const job = store.jobs.get(id);
      return job ? engine.cancel(job, options?.force ?? false) : false;
    },
    cancelPipeline(id, options) {
      const jobs = store.pipelineJobs(id).filter((j) => !j.retried);
      return jobs.map((j) => engine.cancel(j, options?.force ?? true)).some(Boolean);
    },
    projects: () => [...store.projects.values()].map(projectView),
    pipelines: (projectId) =>
      [...store.pipelines.values()]
        .filter((p) => projectId === undefined || p.projectId === projectId)
        .map((p) => mustView(p.id)),
    pipeline: viewPipeline,
    job(id) {
      const job = store.jobs.get(id);
      return job && viewJob(job);
    },
    trace(id, options) {
      const text = store.jobs.get(id)?.trace.text();
      return text === undefined ? undefined : options?.plain ? stripAnsi(text) : text;
    },
    artifactPath: (jobId, type = 'archive') =>
      store.jobs.get(jobId)?.artifacts.find((a) => a.type === type)?.filePath,
    createRunner(options = {}) {
      const runner = addRunner(store, options, false, ctx.clock.now());
      return { id: runner.id, token: runner.token };
    },
    runners: () => [...store.runners.values()].map(runnerView),
    waitForPipeline: (id, options = {}) => waitForPipeline(ctx, () => mustView(id), options),
    onChange: (fn) => engine.onChange(fn),
  };
}

async function waitForPipeline(
  ctx: SandboxContext,
  view: () => PipelineView,
  options: WaitOptions,
): Promise<PipelineView> {
  const current = view();
  if (isPipelineFinished(current.status)) return current;
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const stop = new AbortController();
  const unsubscribe = ctx.engine.onChange(() => {
    if (isPipelineFinished(view().status)) stop.abort();
  });
  const signals = [stop.signal, ...(options.signal ? [options.signal] : [])];
  try {
    await ctx.clock.sleep(timeoutMs, AbortSignal.any(signals));
  } catch (err: unknown) {
    if (options.signal?.aborted) throw err;
  } finally {
    unsubscribe();
  }
  const final = view();
  if (!isPipelineFinished(final.status)) {
    throw new SpotrunnerError(
      'timeout',
      `pipeline ${final.id} did not finish within ${timeoutMs} ms (${final.status})`,
    );
  }
  return final;
}
