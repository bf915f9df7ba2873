/**
 * The RunnerApi port: GitLab's runner endpoints as the runner loop needs them
 * (gitlab-runner-protocol.md). Implemented by the HTTP client in `gitlab/http/`.
 */
import type { JobPayload } from './job-payload.js';

export interface VerifyResult {
  valid: boolean;
  id?: number;
  token?: string;
  tokenExpiresAtMs?: number;
  message?: string;
}

export type RequestJobResult =
  | { kind: 'job'; job: JobPayload }
  /**
   * The payload did not validate. With `id` and `token` the job is assigned to us and must be
   * failed upstream with this reason (`failUnreadableJob`); the token is never logged.
   */
  | { kind: 'invalid'; id?: number; token?: string; reason: string }
  | { kind: 'none'; healthy: boolean; retryAfterMs?: number };

export type JobState = 'pending' | 'running' | 'success' | 'failed';

export interface UpdateJobRequest {
  state: JobState;
  failureReason?: string;
  exitCode?: number;
  checksum?: string;
  bytesize?: number;
}

/** The `Job-Status` header GitLab sends: running, canceling, canceled, failed, success, … */
export type RemoteJobStatus = string;

export interface UpdateJobResult {
  /**
   * succeeded: 200; accepted: 202 (come back after intervalMs); abort: GitLab says the job is not
   * ours any more (403, 404, Job-Status canceled|failed), stop at once; failed: retry later —
   * also when no answer came at all (`transportError`).
   */
  kind: 'succeeded' | 'accepted' | 'abort' | 'failed' | 'trace-validation-failed';
  remoteStatus?: RemoteJobStatus;
  cancelRequested: boolean;
  updateIntervalMs?: number;
  /** HTTP status, when a response arrived (400/409 matter for two-phase keep-alives). */
  status?: number;
  /** No response arrived (connection refused, reset, timeout); kind is `failed`. */
  transportError?: boolean;
  /** GitLab's error message or the transport error, for logs. */
  message?: string;
}

export interface PatchTraceResult {
  kind: 'ok' | 'range-mismatch' | 'abort' | 'failed' | 'not-found';
  /** On ok: the new confirmed offset; on range-mismatch: the server's length. */
  sentOffset: number;
  cancelRequested: boolean;
  updateIntervalMs?: number;
  remoteStatus?: RemoteJobStatus;
  /** HTTP status, when a response arrived. */
  status?: number;
}

export interface JobRef {
  id: number;
  token: string;
  /** Sent as `debug_trace=true` on trace patches (CI_DEBUG_TRACE allowed and set). */
  debugTrace?: boolean;
}

export interface RunnerApi {
  verify(signal?: AbortSignal): Promise<VerifyResult>;
  requestJob(signal?: AbortSignal): Promise<RequestJobResult>;
  updateJob(job: JobRef, update: UpdateJobRequest, signal?: AbortSignal): Promise<UpdateJobResult>;
  patchTrace(
    job: JobRef,
    chunk: Buffer,
    offset: number,
    signal?: AbortSignal,
  ): Promise<PatchTraceResult>;
}
