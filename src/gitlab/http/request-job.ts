/**
 * `POST /jobs/request` (gitlab-runner-protocol.md §2): the body and the classification of every
 * answer. A payload that does not validate comes back as `invalid` with the id and token when
 * they can be read; the runner loop then fails that job upstream (`failUnreadableJob`).
 */
import { describeError } from '../../platform/errors.js';
import { parseJobPayload } from '../job-payload.js';
import type { RequestJobResult } from '../runner-api.js';
import { rememberLastUpdate, type ClientContext } from './client-context.js';
import { errorMessage, serverRetryDelayMs } from './response-headers.js';

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
      return readJob(ctx, res.json);
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

function readJob(ctx: ClientContext, raw: unknown): RequestJobResult {
  const parsed = parseJobPayload(raw);
  if (parsed.ok) {
    ctx.logger.info({ jobId: parsed.job.id }, 'checking for jobs: received');
    return { kind: 'job', job: parsed.job };
  }
  const { id, token, reason } = parsed;
  ctx.logger.error({ jobId: id, reason }, 'received a job payload that does not validate');
  return {
    kind: 'invalid',
    ...(id !== undefined ? { id } : {}),
    ...(token !== undefined ? { token } : {}),
    reason: token === undefined ? reason : reason.split(token).join('[MASKED]'),
  };
}
