/** The `POST /jobs/request` 201 body for a job, shaped like Rails' (protocol §2.4–2.5). */
import { expandVariables, type PayloadVariable } from './expand-variables.js';
import { FAILURE_REASONS } from './failure-reasons.js';
import {
  artifactsPayload,
  cachePayload,
  hooksPayload,
  imagePayload,
  servicePayload,
  stepsPayload,
} from './job-payload-parts.js';
import { predefinedVariables } from './predefined-variables.js';
import type { JobRecord, PipelineRecord, ProjectRecord, RunnerRecord } from './records.js';

export interface PayloadInput {
  job: JobRecord;
  pipeline: PipelineRecord;
  project: ProjectRecord;
  runner: RunnerRecord;
  /** Base URL runners reach the server at, without trailing slash. */
  serverUrl: string;
  /** Jobs whose artifacts this job downloads (latest attempts). */
  dependencies: readonly JobRecord[];
  /** The runner's `info.features`. */
  features: Record<string, unknown>;
  /** Running jobs of the project (for `job_info`). */
  runningInProject: number;
  nowMs: number;
}

/** `http://gitlab-ci-token:<job token>@host/ns/project.git`. */
export function repoUrlFor(serverUrl: string, projectPath: string, jobToken: string): string {
  const url = new URL(`${serverUrl}/${projectPath}.git`);
  url.username = 'gitlab-ci-token';
  url.password = jobToken;
  return url.toString();
}

function refspecs(pipeline: PipelineRecord, depth: number): string[] {
  const own = `+refs/pipelines/${pipeline.id}:refs/pipelines/${pipeline.id}`;
  if (depth === 0) return [own, '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'];
  return pipeline.refType === 'tag'
    ? [own, `+refs/tags/${pipeline.ref}:refs/tags/${pipeline.ref}`]
    : [own, `+refs/heads/${pipeline.ref}:refs/remotes/origin/${pipeline.ref}`];
}

function jobVariables(input: PayloadInput, repoUrl: string): PayloadVariable[] {
  const { job, pipeline, project } = input;
  const yaml = job.spec.variables.map((v): PayloadVariable => ({
    key: v.key,
    value: v.value,
    public: true,
    masked: false,
    ...(v.raw ? { raw: true } : {}),
  }));
  const projectVars = project.variables.map((v): PayloadVariable => ({
    key: v.key,
    value: v.value,
    public: false,
    masked: v.masked,
    ...(v.file ? { file: true } : {}),
    ...(v.raw ? { raw: true } : {}),
  }));
  const pipelineVars = pipeline.variables.map((v): PayloadVariable => ({
    key: v.key,
    value: v.value,
    public: false,
    masked: false,
    ...(v.raw ? { raw: true } : {}),
  }));
  // Dotenv variables of the dependencies: above `.gitlab-ci.yml` variables, below project and
  // pipeline ones (Gitlab::Ci::Variables::Builder#scoped_variables).
  const dotenv = input.dependencies.flatMap((dep) =>
    (dep.dotenv ?? []).map((v): PayloadVariable => ({
      key: v.key,
      value: v.value,
      public: false,
      masked: false,
    })),
  );
  return expandVariables([
    ...predefinedVariables({ ...input, repoUrl }),
    ...yaml,
    ...dotenv,
    ...projectVars,
    ...pipelineVars,
  ]);
}

function gitDepth(vars: readonly PayloadVariable[], fallback: number): number {
  const value = [...vars].reverse().find((v) => v.key === 'GIT_DEPTH')?.value;
  const n = value === undefined ? Number.NaN : Number.parseInt(value, 10);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

export function buildJobPayload(input: PayloadInput): Record<string, unknown> {
  const { job, pipeline, project, serverUrl } = input;
  const repoUrl = repoUrlFor(serverUrl, project.path, job.token);
  const variables = jobVariables(input, repoUrl);
  const depth = gitDepth(variables, project.gitDepth);
  const timeoutS = job.timeoutS ?? project.timeoutS;
  const protectedRef = pipeline.ref === project.defaultBranch;
  return {
    id: job.id,
    token: job.token,
    allow_git_fetch: true,
    job_info: {
      id: job.id,
      name: job.name,
      stage: job.stage,
      project_id: project.id,
      project_name: project.name,
      project_full_path: project.path,
      namespace_id: 1,
      root_namespace_id: 1,
      organization_id: 1,
      user_id: 1,
      scoped_user_id: null,
      time_in_queue_seconds: Math.max(0, (input.nowMs - (job.queuedAtMs ?? input.nowMs)) / 1000),
      project_jobs_running_on_instance_runners_count: String(input.runningInProject),
      queue_size: 1,
      queue_depth: 1,
    },
    git_info: {
      repo_url: repoUrl,
      ref: pipeline.ref,
      sha: pipeline.sha,
      before_sha: pipeline.beforeSha,
      ref_type: pipeline.refType,
      refspecs: refspecs(pipeline, depth),
      depth,
      repo_object_format: 'sha1',
      protected: protectedRef,
    },
    runner_info: { timeout: timeoutS, runner_session_url: null },
    variables,
    steps: stepsPayload(job.spec, timeoutS),
    hooks: hooksPayload(job.spec),
    image: imagePayload(job.spec.image),
    services: job.spec.services.map(servicePayload),
    artifacts: artifactsPayload(job.spec.artifacts, input.features),
    cache: cachePayload(job.spec.cache, protectedRef),
    credentials: [],
    dependencies: input.dependencies.map((dep) => dependencyPayload(dep, job.token)),
    features: { trace_sections: true, failure_reasons: [...FAILURE_REASONS] },
  };
}

function dependencyPayload(dep: JobRecord, runningJobToken: string): Record<string, unknown> {
  const archive = dep.artifacts.find((a) => a.type === 'archive');
  return {
    id: dep.id,
    name: dep.name,
    token: runningJobToken,
    ...(archive ? { artifacts_file: { filename: archive.filename, size: archive.size } } : {}),
  };
}

/**
 * The jobs whose artifacts (and dotenv variables) a job receives, as Ci::BuildDependencies:
 * `needs` with `artifacts: true` for a DAG job (`needs: []` included), earlier stages otherwise;
 * `dependencies` then narrows that set and never adds to it; `dependencies: []` empties it.
 */
export function dependencyJobs(job: JobRecord, latest: readonly JobRecord[]): JobRecord[] {
  const candidates = latest.filter(
    (j) => j.id !== job.id && j.status !== 'skipped' && j.status !== 'created',
  );
  const { needs, dependencies } = job.spec;
  const base = needs
    ? candidates.filter((j) => needs.some((n) => n.artifacts && n.job === j.name))
    : candidates.filter((j) => j.stageIndex < job.stageIndex);
  if (!dependencies) return base;
  return base.filter((j) => dependencies.includes(j.name));
}
