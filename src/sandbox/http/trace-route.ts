/** `PATCH /jobs/:id/trace`: append-only incremental trace (protocol §4.2). */
import type { Hono } from 'hono';
import { authenticateExecutingJob } from './job-auth.js';
import { emptyResponse, errorResponse, faultResponse } from './http-helpers.js';
import type { SandboxContext } from './sandbox-context.js';

export function registerTraceRoute(api: Hono, ctx: SandboxContext): void {
  api.patch('/jobs/:id/trace', async (c) => {
    const fault = ctx.faults.take('jobs/trace');
    if (fault) return faultResponse(fault);
    const token = c.req.header('job-token') ?? c.req.query('token');
    const auth = authenticateExecutingJob(ctx, c.req.param('id'), token);
    if (!auth.ok) return auth.response;
    const job = auth.job;
    const range = c.req.header('content-range');
    if (!range) return errorResponse(400, '400 Missing header Content-Range');
    const match = /^(?:bytes )?(\d+)-(\d+)/.exec(range.trim());
    if (!match) return errorResponse(400, '400 Bad request - invalid Content-Range');
    const start = Number(match[1]);
    const body = Buffer.from(await c.req.arrayBuffer());
    const length = job.trace.length;
    if (start !== length) return emptyResponse(416, { Range: `0-${length}` });
    if (start + body.length > ctx.settings.traceSizeLimitBytes) {
      job.notes.push(`trace exceeded the limit of ${ctx.settings.traceSizeLimitBytes} bytes`);
      ctx.engine.drop(job, 'trace_size_exceeded');
      return errorResponse(403, '403 Forbidden - The job log size limit was reached', {
        'Job-Status': job.status,
      });
    }
    if (start === 0 && c.req.query('debug_trace') === 'true') job.debugTrace = true;
    job.trace.append(body);
    ctx.engine.touch(job);
    return emptyResponse(202, {
      'Job-Status': job.status,
      Range: `0-${job.trace.length}`,
      'X-GitLab-Trace-Update-Interval': String(ctx.settings.traceUpdateIntervalS),
    });
  });
}
