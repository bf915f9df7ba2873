/** Predefined `CI_*` variables of a job (GitLab's predefined variables that matter to a runner). */
import type { PayloadVariable } from './expand-variables.js';
import type { JobRecord, PipelineRecord, ProjectRecord, RunnerRecord } from './records.js';

export interface PredefinedInput {
  job: JobRecord;
  pipeline: PipelineRecord;
  project: ProjectRecord;
  runner: RunnerRecord;
  serverUrl: string;
  repoUrl: string;
}

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
}

function pub(key: string, value: string | number): PayloadVariable {
  return { key, value: String(value), public: true, masked: false };
}

function serverAndProjectVariables(serverUrl: string, project: ProjectRecord): PayloadVariable[] {
  const url = new URL(serverUrl);
  const projectUrl = `${serverUrl}/${project.path}`;
  return [
    pub('CI', 'true'),
    pub('GITLAB_CI', 'true'),
    pub('CI_SERVER_URL', serverUrl),
    pub('CI_SERVER_HOST', url.hostname),
    pub('CI_SERVER_PORT', url.port || (url.protocol === 'https:' ? '443' : '80')),
    pub('CI_SERVER_PROTOCOL', url.protocol.replace(':', '')),
    pub('CI_SERVER_NAME', 'GitLab'),
    pub('CI_SERVER_VERSION', '17.6.0'),
    pub('CI_API_V4_URL', `${serverUrl}/api/v4`),
    pub('CI_PROJECT_ID', project.id),
    pub('CI_PROJECT_NAME', project.name),
    pub('CI_PROJECT_TITLE', project.name),
    pub('CI_PROJECT_PATH', project.path),
    pub('CI_PROJECT_PATH_SLUG', slugify(project.path)),
    pub('CI_PROJECT_NAMESPACE', project.namespace),
    pub('CI_PROJECT_ROOT_NAMESPACE', project.namespace.split('/')[0] ?? project.namespace),
    pub('CI_PROJECT_URL', projectUrl),
    pub('CI_PROJECT_VISIBILITY', 'private'),
    pub('CI_DEFAULT_BRANCH', project.defaultBranch),
    pub('CI_CONFIG_PATH', '.gitlab-ci.yml'),
  ];
}

type CommitInput = Pick<PipelineRecord, 'ref' | 'refType' | 'sha' | 'commitMessage'>;

/** The pipeline's source, ref and commit. */
function commitVariables(pipeline: CommitInput, project: ProjectRecord): PayloadVariable[] {
  return [
    pub('CI_PIPELINE_SOURCE', 'push'),
    pub('CI_COMMIT_SHA', pipeline.sha),
    pub('CI_COMMIT_SHORT_SHA', pipeline.sha.slice(0, 8)),
    pub('CI_COMMIT_REF_NAME', pipeline.ref),
    pub('CI_COMMIT_REF_SLUG', slugify(pipeline.ref)),
    pub('CI_COMMIT_REF_PROTECTED', String(pipeline.ref === project.defaultBranch)),
    pipeline.refType === 'tag'
      ? pub('CI_COMMIT_TAG', pipeline.ref)
      : pub('CI_COMMIT_BRANCH', pipeline.ref),
    pub('CI_COMMIT_MESSAGE', pipeline.commitMessage),
    pub('CI_COMMIT_TITLE', pipeline.commitMessage.split('\n')[0] ?? ''),
  ];
}

/**
 * What `rules:if` sees when the pipeline is created: the project's and the commit's
 * predefined variables (no job or runner yet).
 */
export function ruleVariables(project: ProjectRecord, commit: CommitInput): Record<string, string> {
  const vars = [
    pub('CI', 'true'),
    pub('GITLAB_CI', 'true'),
    pub('CI_PROJECT_ID', project.id),
    pub('CI_PROJECT_NAME', project.name),
    pub('CI_PROJECT_PATH', project.path),
    pub('CI_PROJECT_NAMESPACE', project.namespace),
    pub('CI_DEFAULT_BRANCH', project.defaultBranch),
    pub('CI_CONFIG_PATH', '.gitlab-ci.yml'),
    ...commitVariables(commit, project),
  ];
  return Object.fromEntries(vars.map((v) => [v.key, v.value]));
}

export function predefinedVariables(input: PredefinedInput): PayloadVariable[] {
  const { job, pipeline, project, runner, serverUrl, repoUrl } = input;
  const projectUrl = `${serverUrl}/${project.path}`;
  const node =
    job.spec.nodeTotal === undefined
      ? [pub('CI_NODE_TOTAL', 1)]
      : [pub('CI_NODE_INDEX', job.spec.nodeIndex ?? 1), pub('CI_NODE_TOTAL', job.spec.nodeTotal)];
  return [
    ...serverAndProjectVariables(serverUrl, project),
    pub('CI_PIPELINE_ID', pipeline.id),
    pub('CI_PIPELINE_IID', pipeline.iid),
    pub('CI_PIPELINE_URL', `${projectUrl}/-/pipelines/${pipeline.id}`),
    pub(
      'CI_PIPELINE_CREATED_AT',
      new Date(pipeline.createdAtMs).toISOString().replace(/\.\d+Z$/, 'Z'),
    ),
    ...commitVariables(pipeline, project),
    pub('CI_COMMIT_BEFORE_SHA', pipeline.beforeSha),
    pub('CI_JOB_ID', job.id),
    pub('CI_JOB_NAME', job.name),
    pub('CI_JOB_NAME_SLUG', slugify(job.name)),
    pub('CI_JOB_STAGE', job.stage),
    pub('CI_JOB_URL', `${projectUrl}/-/jobs/${job.id}`),
    pub(
      'CI_JOB_STARTED_AT',
      new Date(job.startedAtMs ?? job.updatedAtMs).toISOString().replace(/\.\d+Z$/, 'Z'),
    ),
    pub('CI_JOB_TIMEOUT', job.timeoutS ?? project.timeoutS),
    { key: 'CI_JOB_TOKEN', value: job.token, public: false, masked: true },
    { key: 'CI_REPOSITORY_URL', value: repoUrl, public: false, masked: false },
    ...node,
    pub('CI_RUNNER_ID', runner.id),
    pub('CI_RUNNER_DESCRIPTION', runner.description),
    pub('CI_RUNNER_TAGS', JSON.stringify(runner.tags)),
    pub('GITLAB_USER_ID', 1),
    pub('GITLAB_USER_LOGIN', 'sandbox'),
    pub('GITLAB_USER_NAME', 'Sandbox User'),
    pub('GITLAB_USER_EMAIL', 'sandbox@spotrunner.invalid'),
  ];
}
