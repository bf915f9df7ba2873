/** Job-token authentication for job endpoints (RAILS `authenticate_job!`, protocol §3.2). */
import { isExecuting, type JobRecord } from '../model/records.js';
import { errorResponse } from './http-helpers.js';
import type { SandboxContext } from './sandbox-context.js';

export type JobAuth = { ok: true; job: JobRecord } | { ok: false; response: Response };

/** 403 for unknown job or wrong token (never 404, so the runner stops on it). */
export function findJob(ctx: SandboxContext, idParam: string, token: string | undefined): JobAuth {
  const id = Number.parseInt(idParam, 10);
  const job = Number.isInteger(id) ? ctx.store.jobs.get(id) : undefined;
  if (!job || !token || job.token !== token)
    return { ok: false, response: errorResponse(403, '403 Forbidden') };
  return { ok: true, job };
}

/** As findJob, and the job must be running or canceling (403 + `Job-Status` otherwise). */
export function authenticateExecutingJob(
  ctx: SandboxContext,
  idParam: string,
  token: string | undefined,
): JobAuth {
  const found = findJob(ctx, idParam, token);
  if (!found.ok) return found;
  if (!isExecuting(found.job.status)) {
    return {
      ok: false,
      response: errorResponse(403, '403 Forbidden - Job is not processing on runner', {
        'Job-Status': found.job.status,
      }),
    };
  }
  return found;
}
