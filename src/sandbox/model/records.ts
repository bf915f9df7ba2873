/** The sandbox's internal state records. Views handed to callers are built in `views.ts`. */
import type { CiJob, CiVariable } from '../ci/ci-config.js';
import type { TraceLog } from './trace-log.js';

export const JOB_STATUSES = [
  'created',
  'pending',
  'running',
  'canceling',
  'success',
  'failed',
  'canceled',
  'skipped',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const PIPELINE_STATUSES = [
  'created',
  'pending',
  'running',
  'success',
  'failed',
  'canceled',
  'skipped',
] as const;
export type PipelineStatus = (typeof PIPELINE_STATUSES)[number];

export interface ProjectVariable {
  key: string;
  value: string;
  masked: boolean;
  raw: boolean;
  file: boolean;
}

export interface ProjectRecord {
  id: number;
  name: string;
  namespace: string;
  /** `namespace/name`. */
  path: string;
  /** Bare repository served over smart HTTP. */
  repoDir: string;
  defaultBranch: string;
  variables: ProjectVariable[];
  /** Default job timeout (GitLab project setting, 1 h). */
  timeoutS: number;
  /** Default `GIT_DEPTH` (GitLab default for new projects: 20). */
  gitDepth: number;
  createdAtMs: number;
}

export interface ArtifactRecord {
  type: string;
  format: string;
  filename: string;
  filePath: string;
  size: number;
  sha256: string;
  expireIn?: string;
}

export interface ChecksumRecord {
  /** What the runner reported (`output.checksum`, `output.bytesize`). */
  reportedChecksum?: string;
  reportedBytesize?: number;
  /** What the server stored. */
  storedChecksum: string;
  storedBytesize: number;
  match: boolean;
}

export interface FinalState {
  state: 'success' | 'failed';
  failureReason?: string;
  exitCode?: number;
  checksum?: string;
  bytesize?: number;
}

export interface JobRecord {
  id: number;
  pipelineId: number;
  projectId: number;
  name: string;
  stage: string;
  stageIndex: number;
  spec: CiJob;
  status: JobStatus;
  token: string;
  failureReason?: string;
  exitCode?: number;
  /** Superseded by a retry clone; kept for history, ignored by pipeline processing. */
  retried: boolean;
  retryOf?: number;
  runnerId?: number;
  systemId?: string;
  /** Two-phase commit: assigned but not yet accepted with `state=running`. */
  awaitingAck: boolean;
  twoPhase: boolean;
  cancelGracefully: boolean;
  debugTrace: boolean;
  timeoutS?: number;
  createdAtMs: number;
  queuedAtMs?: number;
  startedAtMs?: number;
  finishedAtMs?: number;
  updatedAtMs: number;
  trace: TraceLog;
  checksum?: ChecksumRecord;
  /** Final state held back while the trace is being persisted (final updates answered 202). */
  pendingFinal?: FinalState;
  /** When the first final update answered 202 arrived (Rails' pending state `created_at`). */
  pendingFinalAtMs?: number;
  /** Final updates answered 202 so far. */
  acceptedFinalUpdates?: number;
  artifacts: ArtifactRecord[];
  /** Variables of its `artifacts:reports:dotenv`, in file order (a repeated key keeps the last value). */
  dotenv?: DotenvVariable[];
  notes: string[];
  /** GitLab's stuck message, kept when a stuck pending job was dropped. */
  stuckMessage?: string;
}

export interface DotenvVariable {
  key: string;
  value: string;
}

export interface PipelineRecord {
  id: number;
  iid: number;
  projectId: number;
  ref: string;
  refType: 'branch' | 'tag';
  sha: string;
  beforeSha: string;
  commitMessage: string;
  /** `Name <email>` of the commit's author. */
  commitAuthor: string;
  /** Committer date, ISO 8601 in UTC. */
  commitTimestamp: string;
  /** Message of an annotated tag (tag pipelines); empty for a lightweight tag. */
  tagMessage?: string;
  status: PipelineStatus;
  /** Passed with failed `allow_failure` jobs ("passed with warnings"). */
  withWarnings: boolean;
  /** `workflow:auto_cancel:on_job_failure`: `all` cancels the pipeline when a job fails. */
  autoCancelOnJobFailure: 'none' | 'all';
  variables: CiVariable[];
  warnings: string[];
  errors: string[];
  jobIds: number[];
  createdAtMs: number;
  finishedAtMs?: number;
}

export interface RunnerManagerRecord {
  systemId: string;
  info: Record<string, unknown>;
  contactedAtMs: number;
}

export interface RunnerRecord {
  id: number;
  token: string;
  description: string;
  tags: string[];
  runUntagged: boolean;
  locked: boolean;
  paused: boolean;
  maximumTimeoutS?: number;
  /** Registered with a registration token (legacy) rather than created with a `glrt-` token. */
  legacy: boolean;
  /** Random hex ticked whenever a job this runner could take becomes pending. */
  queueValue: string;
  managers: Map<string, RunnerManagerRecord>;
  contactedAtMs?: number;
  createdAtMs: number;
}

export function isExecuting(status: JobStatus): boolean {
  return status === 'running' || status === 'canceling';
}

export function isFinished(status: JobStatus): boolean {
  return (
    status === 'success' || status === 'failed' || status === 'canceled' || status === 'skipped'
  );
}

export function isPipelineFinished(status: PipelineStatus): boolean {
  return (
    status === 'success' || status === 'failed' || status === 'canceled' || status === 'skipped'
  );
}
