/**
 * Predefined `CI_*` variables of a job, as GitLab 17 sets them for a push pipeline
 * (Project#predefined_variables, Builder::Pipeline, Ci::Build persisted variables). Those of
 * features the sandbox does not have (container registry, dependency proxy, pages,
 * environments, merge requests) are left out, as GitLab leaves them out when they are off.
 */
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

/** The GitLab version the sandbox answers as (`CI_SERVER_VERSION*`). */
export const SERVER_VERSION = '17.6.0';

/** Server variables that do not depend on its URL. */
function serverFacts(): PayloadVariable[] {
  const [major = '', minor = '', patch = ''] = SERVER_VERSION.split('.');
  return [
    pub('CI', 'true'),
    pub('GITLAB_CI', 'true'),
    pub('CI_SERVER_NAME', 'GitLab'),
    pub('CI_SERVER_VERSION', SERVER_VERSION),
    pub('CI_SERVER_VERSION_MAJOR', major),
    pub('CI_SERVER_VERSION_MINOR', minor),
    pub('CI_SERVER_VERSION_PATCH', patch),
    pub('CI_SERVER_REVISION', 'spotrunner-sandbox'),
  ];
}

function serverUrlVariables(serverUrl: string): PayloadVariable[] {
  const url = new URL(serverUrl);
  const fqdn = `${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return [
    pub('CI_SERVER_FQDN', fqdn),
    pub('CI_SERVER_URL', serverUrl),
    pub('CI_SERVER_HOST', url.hostname),
    pub('CI_SERVER_PORT', url.port || (url.protocol === 'https:' ? '443' : '80')),
    pub('CI_SERVER_PROTOCOL', url.protocol.replace(':', '')),
    // GitLab always sets these (gitlab_shell defaults); the sandbox serves git over HTTP only.
    pub('CI_SERVER_SHELL_SSH_HOST', url.hostname),
    pub('CI_SERVER_SHELL_SSH_PORT', '22'),
    pub('CI_API_V4_URL', `${serverUrl}/api/v4`),
    pub('CI_API_GRAPHQL_URL', `${serverUrl}/api/graphql`),
  ];
}

/** Project#predefined_project_variables (+ CI_TEMPLATE_REGISTRY_HOST). */
function projectVariables(project: ProjectRecord, serverUrl?: string): PayloadVariable[] {
  return [
    pub('GITLAB_FEATURES', ''),
    pub('CI_PROJECT_ID', project.id),
    pub('CI_PROJECT_NAME', project.name),
    pub('CI_PROJECT_TITLE', project.name),
    pub('CI_PROJECT_DESCRIPTION', ''),
    pub('CI_PROJECT_PATH', project.path),
    pub('CI_PROJECT_PATH_SLUG', slugify(project.path)),
    pub('CI_PROJECT_NAMESPACE', project.namespace),
    pub('CI_PROJECT_NAMESPACE_ID', 1),
    pub('CI_PROJECT_ROOT_NAMESPACE', project.namespace.split('/')[0] ?? project.namespace),
    ...(serverUrl === undefined ? [] : [pub('CI_PROJECT_URL', `${serverUrl}/${project.path}`)]),
    pub('CI_PROJECT_VISIBILITY', 'private'),
    pub('CI_PROJECT_REPOSITORY_LANGUAGES', ''),
    pub('CI_PROJECT_CLASSIFICATION_LABEL', ''),
    pub('CI_DEFAULT_BRANCH', project.defaultBranch),
    pub('CI_CONFIG_PATH', '.gitlab-ci.yml'),
    pub('CI_TEMPLATE_REGISTRY_HOST', 'registry.gitlab.com'),
  ];
}

type CommitInput = Pick<
  PipelineRecord,
  'ref' | 'refType' | 'sha' | 'commitMessage' | 'commitAuthor' | 'commitTimestamp' | 'tagMessage'
>;

/** Commit#description: the message without its title, or all of it when the title is 100+ long. */
export function commitDescription(message: string): string {
  const title = message.split(/[\r\n]/, 1)[0] ?? '';
  if (title.length >= 100) return message;
  const newline = message.indexOf('\n');
  return newline < 0 ? '' : message.slice(newline + 1).replace(/\r?\n$/, '');
}

/** The pipeline's source, ref and commit (Builder::Pipeline). */
function commitVariables(pipeline: CommitInput, project: ProjectRecord): PayloadVariable[] {
  const tag =
    pipeline.refType === 'tag'
      ? [
          pub('CI_COMMIT_TAG', pipeline.ref),
          pub('CI_COMMIT_TAG_MESSAGE', pipeline.tagMessage ?? ''),
        ]
      : [];
  return [
    pub('CI_PIPELINE_SOURCE', 'push'),
    pub('CI_COMMIT_SHA', pipeline.sha),
    pub('CI_COMMIT_SHORT_SHA', pipeline.sha.slice(0, 8)),
    pub('CI_COMMIT_REF_NAME', pipeline.ref),
    pub('CI_COMMIT_REF_SLUG', slugify(pipeline.ref)),
    ...(pipeline.refType === 'branch' ? [pub('CI_COMMIT_BRANCH', pipeline.ref)] : []),
    pub('CI_COMMIT_MESSAGE', pipeline.commitMessage),
    pub('CI_COMMIT_TITLE', pipeline.commitMessage.split(/[\r\n]/, 1)[0] ?? ''),
    pub('CI_COMMIT_DESCRIPTION', commitDescription(pipeline.commitMessage)),
    pub('CI_COMMIT_REF_PROTECTED', String(pipeline.ref === project.defaultBranch)),
    pub('CI_COMMIT_TIMESTAMP', pipeline.commitTimestamp),
    pub('CI_COMMIT_AUTHOR', pipeline.commitAuthor),
    ...tag,
  ];
}

const USER_VARIABLES = [
  pub('GITLAB_USER_ID', 1),
  pub('GITLAB_USER_EMAIL', 'sandbox@spotrunner.invalid'),
  pub('GITLAB_USER_LOGIN', 'sandbox'),
  pub('GITLAB_USER_NAME', 'Sandbox User'),
];

/**
 * What `rules:if` sees when the pipeline is created: the server's, project's, commit's and
 * user's predefined variables (the job's own are added per job; no runner yet).
 */
export function ruleVariables(project: ProjectRecord, commit: CommitInput): Record<string, string> {
  const vars = [
    ...serverFacts(),
    ...projectVariables(project),
    ...commitVariables(commit, project),
    ...USER_VARIABLES,
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
    ...serverFacts(),
    ...serverUrlVariables(serverUrl),
    ...projectVariables(project, serverUrl),
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
    pub('CI_REGISTRY_USER', 'gitlab-ci-token'),
    { key: 'CI_REGISTRY_PASSWORD', value: job.token, public: false, masked: true },
    { key: 'CI_REPOSITORY_URL', value: repoUrl, public: false, masked: false },
    ...node,
    pub('CI_RUNNER_ID', runner.id),
    pub('CI_RUNNER_DESCRIPTION', runner.description),
    pub('CI_RUNNER_TAGS', JSON.stringify(runner.tags)),
    ...USER_VARIABLES,
  ];
}
