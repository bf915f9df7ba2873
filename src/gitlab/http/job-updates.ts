/**
 * `PUT /jobs/:id` and `PATCH /jobs/:id/trace`, read the way gitlab-runner reads them
 * (gitlab-runner-protocol.md §3.3, §4.1–4.3).
 */
import { describeError } from '../../platform/errors.js';
import type { JobRef, PatchTraceResult, UpdateJobRequest, UpdateJobResult } from '../runner-api.js';
import type { ClientContext } from './client-context.js';
import { errorMessage, rangeLength, remoteJobState, updateIntervalMs } from './response-headers.js';

/** Most bytes sent in one trace PATCH (gitlab-runner `DefaultTracePatchLimit`). */
export const MAX_TRACE_PATCH_BYTES = 1024 * 1024;

function updateBody(ctx: ClientContext, job: JobRef, update: UpdateJobRequest): object {
  const output = {
    ...(update.checksum !== undefined ? { checksum: update.checksum } : {}),
    ...(update.bytesize !== undefined ? { bytesize: update.bytesize } : {}),
  };
  return {
    token: job.token,
    state: update.state,
    ...(update.state === 'failed'
      ? { failure_reason: update.failureReason || 'script_failure' }
      : {}),
    ...(update.exitCode ? { exit_code: update.exitCode } : {}),
    ...(update.checksum !== undefined ? { checksum: update.checksum } : {}),
    output,
    info: ctx.info,
  };
}

/** A caller's abort is not a transport failure: let it through. */
function rethrowAbort(err: unknown, signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw err;
}

/** Sends a job state; never throws except when `signal` aborts. */
export async function updateJob(
  ctx: ClientContext,
  job: JobRef,
  update: UpdateJobRequest,
  signal?: AbortSignal,
): Promise<UpdateJobResult> {
  let res;
  try {
    res = await ctx.http.send({
      method: 'PUT',
      path: `jobs/${job.id}`,
      json: updateBody(ctx, job, update),
      headers: { 'JOB-TOKEN': job.token },
      ...(signal ? { signal } : {}),
    });
  } catch (err: unknown) {
    rethrowAbort(err, signal);
    const message = describeError(err);
    ctx.logger.warn({ jobId: job.id, state: update.state, err: message }, 'job update failed');
    // No answer says nothing about the job: GitLab may be restarting. Not an abort.
    return { kind: 'failed', cancelRequested: false, transportError: true, message };
  }
  const remote = remoteJobState(res.headers);
  const interval = updateIntervalMs(res.headers);
  const message = res.status >= 300 ? errorMessage(res.body) : undefined;
  const base = {
    cancelRequested: remote.cancelRequested,
    status: res.status,
    ...(remote.status !== undefined ? { remoteStatus: remote.status } : {}),
    ...(interval !== undefined ? { updateIntervalMs: interval } : {}),
    ...(message !== undefined ? { message } : {}),
  };
  const fields = {
    jobId: job.id,
    state: update.state,
    status: res.status,
    jobStatus: remote.status,
  };
  if (remote.aborted || res.status === 403) {
    // Our own final `failed` is answered 200 + `Job-Status: failed`: delivered, not news.
    const ownFailure = update.state === 'failed' && res.status === 200;
    if (ownFailure) ctx.logger.debug(fields, 'job update delivered; gitlab has the job failed');
    else ctx.logger.warn({ ...fields, message }, 'job update aborted by gitlab');
    return { kind: 'abort', ...base };
  }
  switch (res.status) {
    case 200:
      ctx.logger.debug(fields, 'job updated');
      return { kind: 'succeeded', ...base };
    case 202:
      ctx.logger.debug(fields, 'job update accepted, trace not yet persisted');
      return { kind: 'accepted', ...base };
    case 412:
      ctx.logger.warn(fields, 'job trace validation failed, resending');
      return { kind: 'trace-validation-failed', ...base };
    case 404:
      ctx.logger.warn(fields, 'job not found');
      return { kind: 'abort', ...base };
    default:
      ctx.logger.warn({ ...fields, message }, 'job update failed');
      return { kind: 'failed', ...base };
  }
}

/** Appends up to 1 MiB of `chunk` at `offset`; never throws except when `signal` aborts. */
export async function patchTrace(
  ctx: ClientContext,
  job: JobRef,
  chunk: Buffer,
  offset: number,
  signal?: AbortSignal,
): Promise<PatchTraceResult> {
  const data = chunk.subarray(0, MAX_TRACE_PATCH_BYTES);
  if (data.length === 0) return { kind: 'ok', sentOffset: offset, cancelRequested: false };
  const contentRange = `${offset}-${offset + data.length - 1}`;
  let res;
  try {
    res = await ctx.http.send({
      method: 'PATCH',
      path: `jobs/${job.id}/trace`,
      query: { debug_trace: job.debugTrace ? 'true' : 'false' },
      headers: {
        'JOB-TOKEN': job.token,
        'Content-Type': 'text/plain',
        'Content-Range': contentRange,
      },
      body: data,
      ...(signal ? { signal } : {}),
    });
  } catch (err: unknown) {
    rethrowAbort(err, signal);
    ctx.logger.warn({ jobId: job.id, contentRange, err: describeError(err) }, 'trace patch failed');
    return { kind: 'failed', sentOffset: offset, cancelRequested: false };
  }
  const remote = remoteJobState(res.headers);
  const interval = updateIntervalMs(res.headers);
  const base = {
    cancelRequested: remote.cancelRequested,
    status: res.status,
    ...(remote.status !== undefined ? { remoteStatus: remote.status } : {}),
    ...(interval !== undefined ? { updateIntervalMs: interval } : {}),
  };
  const fields = { jobId: job.id, contentRange, status: res.status, jobStatus: remote.status };
  if (remote.aborted || res.status === 403) {
    ctx.logger.warn(fields, 'trace patch aborted by gitlab');
    return { kind: 'abort', sentOffset: offset, ...base };
  }
  if (res.status === 202) return { kind: 'ok', sentOffset: offset + data.length, ...base };
  if (res.status === 404) {
    ctx.logger.warn(fields, 'trace patch: job not found');
    return { kind: 'not-found', sentOffset: offset, ...base };
  }
  if (res.status === 416) {
    const length = rangeLength(res.headers);
    ctx.logger.warn({ ...fields, remoteLength: length }, 'trace range mismatch');
    if (length !== undefined) return { kind: 'range-mismatch', sentOffset: length, ...base };
  }
  ctx.logger.warn({ ...fields, message: errorMessage(res.body) }, 'trace patch failed');
  return { kind: 'failed', sentOffset: offset, ...base };
}
