/** Plain JSON views of sandbox state for the typed API, the `/sandbox/api` routes and the CLI. */
import type {
  JobRecord,
  JobStatus,
  PipelineRecord,
  PipelineStatus,
  ProjectRecord,
  RunnerRecord,
} from './model/records.js';

export interface ArtifactView {
  type: string;
  format: string;
  filename: string;
  size: number;
  sha256: string;
  expireIn: string | null;
}

export interface JobView {
  id: number;
  pipelineId: number;
  projectId: number;
  name: string;
  stage: string;
  status: JobStatus;
  when: string;
  allowFailure: boolean;
  failureReason: string | null;
  exitCode: number | null;
  retried: boolean;
  retryOf: number | null;
  runnerId: number | null;
  awaitingAck: boolean;
  timeoutS: number | null;
  createdAt: string;
  queuedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  traceBytes: number;
  /** Runner-reported checksum/bytesize against the stored trace; a mismatch is not a failure. */
  checksum: {
    reported: string | null;
    reportedBytesize: number | null;
    stored: string;
    storedBytesize: number;
    match: boolean;
  } | null;
  /** A final state answered 202 (trace still persisting), not applied yet. */
  pendingFinal: { state: string; failureReason: string | null; since: string } | null;
  /** Final updates answered 202 so far. */
  acceptedFinalUpdates: number;
  artifacts: ArtifactView[];
  notes: string[];
  /**
   * GitLab's "This job is stuck because …" message: while the job is pending and no active
   * runner can take it (its tags), and kept when it was dropped for that; null otherwise.
   */
  stuck: string | null;
}

export interface PipelineView {
  id: number;
  iid: number;
  projectId: number;
  ref: string;
  refType: 'branch' | 'tag';
  sha: string;
  status: PipelineStatus;
  /** "passed with warnings": allowed-to-fail jobs failed. */
  withWarnings: boolean;
  /** Keywords the sandbox ignored or approximated. */
  warnings: string[];
  /** YAML errors; a pipeline with errors is `failed` without jobs. */
  errors: string[];
  createdAt: string;
  finishedAt: string | null;
  jobs: JobView[];
}

export interface ProjectView {
  id: number;
  name: string;
  path: string;
  defaultBranch: string;
  /** Clone URL path relative to the server URL. */
  repoPath: string;
  variables: { key: string; masked: boolean; raw: boolean; file: boolean }[];
}

export interface RunnerView {
  id: number;
  description: string;
  tags: string[];
  runUntagged: boolean;
  locked: boolean;
  paused: boolean;
  maximumTimeoutS: number | null;
  legacy: boolean;
  contactedAt: string | null;
  managers: { systemId: string; contactedAt: string }[];
}

const iso = (ms: number | undefined): string | null =>
  ms === undefined ? null : new Date(ms).toISOString();

export function jobView(job: JobRecord, allowFailure: boolean, stuck?: string): JobView {
  const c = job.checksum;
  return {
    id: job.id,
    pipelineId: job.pipelineId,
    projectId: job.projectId,
    name: job.name,
    stage: job.stage,
    status: job.status,
    when: job.spec.when,
    allowFailure,
    failureReason: job.failureReason ?? null,
    exitCode: job.exitCode ?? null,
    retried: job.retried,
    retryOf: job.retryOf ?? null,
    runnerId: job.runnerId ?? null,
    awaitingAck: job.awaitingAck,
    timeoutS: job.timeoutS ?? null,
    createdAt: new Date(job.createdAtMs).toISOString(),
    queuedAt: iso(job.queuedAtMs),
    startedAt: iso(job.startedAtMs),
    finishedAt: iso(job.finishedAtMs),
    traceBytes: job.trace.length,
    checksum: c
      ? {
          reported: c.reportedChecksum ?? null,
          reportedBytesize: c.reportedBytesize ?? null,
          stored: c.storedChecksum,
          storedBytesize: c.storedBytesize,
          match: c.match,
        }
      : null,
    pendingFinal: job.pendingFinal
      ? {
          state: job.pendingFinal.state,
          failureReason: job.pendingFinal.failureReason ?? null,
          since: new Date(job.pendingFinalAtMs ?? job.updatedAtMs).toISOString(),
        }
      : null,
    acceptedFinalUpdates: job.acceptedFinalUpdates ?? 0,
    artifacts: job.artifacts.map((a) => ({
      type: a.type,
      format: a.format,
      filename: a.filename,
      size: a.size,
      sha256: a.sha256,
      expireIn: a.expireIn ?? null,
    })),
    notes: [...job.notes],
    stuck: stuck ?? null,
  };
}

export function pipelineView(pipeline: PipelineRecord, jobs: JobView[]): PipelineView {
  return {
    id: pipeline.id,
    iid: pipeline.iid,
    projectId: pipeline.projectId,
    ref: pipeline.ref,
    refType: pipeline.refType,
    sha: pipeline.sha,
    status: pipeline.status,
    withWarnings: pipeline.withWarnings,
    warnings: [...pipeline.warnings],
    errors: [...pipeline.errors],
    createdAt: new Date(pipeline.createdAtMs).toISOString(),
    finishedAt: iso(pipeline.finishedAtMs),
    jobs,
  };
}

export function projectView(project: ProjectRecord): ProjectView {
  return {
    id: project.id,
    name: project.name,
    path: project.path,
    defaultBranch: project.defaultBranch,
    repoPath: `/${project.path}.git`,
    variables: project.variables.map((v) => ({
      key: v.key,
      masked: v.masked,
      raw: v.raw,
      file: v.file,
    })),
  };
}

export function runnerView(runner: RunnerRecord): RunnerView {
  return {
    id: runner.id,
    description: runner.description,
    tags: [...runner.tags],
    runUntagged: runner.runUntagged,
    locked: runner.locked,
    paused: runner.paused,
    maximumTimeoutS: runner.maximumTimeoutS ?? null,
    legacy: runner.legacy,
    contactedAt: iso(runner.contactedAtMs),
    managers: [...runner.managers.values()].map((m) => ({
      systemId: m.systemId,
      contactedAt: new Date(m.contactedAtMs).toISOString(),
    })),
  };
}
