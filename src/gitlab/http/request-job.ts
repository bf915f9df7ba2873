/**
 * `POST /jobs/request` (gitlab-runner-protocol.md §2): the body, the classification of every
 * answer, and failing a job whose payload we cannot read instead of leaving it stuck.
 */
import { describeError } from '../../platform/errors.js';
import { parseJobPayload } from '../job-payload.js';
import type { JobRef, RequestJobResult } from '../runner-api.js';
import { crc32, formatChecksum } from '../trace/crc32.js';
import { rememberLastUpdate, type ClientContext } from './client-context.js';
import { errorMessage, serverRetryDelayMs } from './response-headers.js';
import { patchTrace, updateJob } from './job-updates.js';

export async function requestJob(
  ctx: ClientContext,
  signal?: AbortSignal,
): Promise<RequestJobResult> {
  const body = {
    token: ctx.token,
    system_id: ctx.systemId,
    ...(ctx.state.lastUpdate ? { last_update: ctx.state.lastUpdate } : {}),
    info: ctx.info,
  };
  let res;
  try {
    res = await ctx.http.send({
      method: 'POST',
      path: 'jobs/request',
      json: body,
      headers: { 'RUNNER-TOKEN': ctx.token },
      expectJson: true,
      ...(signal ? { signal } : {}),
    });
  } catch (err: unknown) {
    if (signal?.aborted) throw err;
    ctx.logger.error({ err: describeError(err) }, 'checking for jobs: error');
    return { kind: 'none', healthy: false };
  }
  rememberLastUpdate(ctx, res);
  switch (res.status) {
    case 201:
      if (!res.isJson) {
        const reason = `job response is ${res.headers.get('Content-Type') ?? 'untyped'}, not application/json`;
        ctx.logger.error({ reason }, 'checking for jobs: unreadable job');
        return { kind: 'invalid', reason };
      }
      return readJob(ctx, res.json, signal);
    case 204:
      ctx.logger.debug({}, 'checking for jobs: nothing');
      return { kind: 'none', healthy: true };
    case 403:
      ctx.logger.error({ message: errorMessage(res.body) }, 'checking for jobs: forbidden');
      return { kind: 'none', healthy: false };
    default: {
      const retryAfterMs = serverRetryDelayMs(res.headers, ctx.clock.now());
      ctx.logger.warn(
        { status: res.status, message: errorMessage(res.body), retryAfterMs },
        'checking for jobs: failed',
      );
      return {
        kind: 'none',
        healthy: true,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
  }
}

async function readJob(
  ctx: ClientContext,
  raw: unknown,
  signal?: AbortSignal,
): Promise<RequestJobResult> {
  const parsed = parseJobPayload(raw);
  if (parsed.ok) {
    ctx.logger.info({ jobId: parsed.job.id }, 'checking for jobs: received');
    return { kind: 'job', job: parsed.job };
  }
  const { id, token, reason } = parsed;
  ctx.logger.error({ jobId: id, reason }, 'received a job payload that does not validate');
  if (id !== undefined && token !== undefined) {
    await failUnreadableJob(ctx, { id, token }, reason, signal);
  }
  return { kind: 'invalid', ...(id !== undefined ? { id } : {}), reason };
}

/**
 * Fails a job we cannot run: accept it (`running`, as two-phase commit requires before any
 * other state), write one trace line saying why, then `failed` with `runner_system_failure`.
 * Best effort: problems are logged, never thrown.
 */
export async function failUnreadableJob(
  ctx: ClientContext,
  job: JobRef,
  reason: string,
  signal?: AbortSignal,
): Promise<void> {
  const line = Buffer.from(
    `\x1b[31;1mERROR: Job failed (system failure): spotrunner could not read the job payload: ${reason.split(job.token).join('[MASKED]')}\x1b[0;m\n`,
    'utf8',
  );
  try {
    const accepted = await updateJob(ctx, job, { state: 'running' }, signal);
    if (accepted.kind === 'abort') return;
    const patched = await patchTrace(ctx, job, line, 0, signal);
    const sent = patched.kind === 'ok';
    const failed = await updateJob(
      ctx,
      job,
      {
        state: 'failed',
        failureReason: 'runner_system_failure',
        ...(sent ? { checksum: formatChecksum(crc32(line)), bytesize: line.length } : {}),
      },
      signal,
    );
    ctx.logger.info({ jobId: job.id, result: failed.kind }, 'failed unreadable job upstream');
  } catch (err: unknown) {
    ctx.logger.error({ jobId: job.id, err: describeError(err) }, 'could not fail unreadable job');
  }
}
