/** Artifact upload and download (protocol §5). */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Hono } from 'hono';
import { describeError } from '../../platform/errors.js';
import { parseDotenvReport } from '../model/dotenv-report.js';
import { isExecuting } from '../model/records.js';
import { ARTIFACT_FORMATS } from '../model/report-types.js';
import { authenticateExecutingJob } from './job-auth.js';
import { errorResponse, faultResponse, textResponse } from './http-helpers.js';
import type { SandboxContext } from './sandbox-context.js';

const TOO_LARGE = '413 Request Entity Too Large - file size has reached maximum size limit';

export function registerArtifactRoutes(api: Hono, ctx: SandboxContext): void {
  api.post('/jobs/:id/artifacts', async (c) => {
    const fault = ctx.faults.take('artifacts/upload');
    if (fault) return faultResponse(fault);
    const auth = authenticateExecutingJob(
      ctx,
      c.req.param('id'),
      c.req.header('job-token') ?? c.req.query('token'),
    );
    if (!auth.ok) return auth.response;
    const limit = ctx.settings.artifactSizeLimitBytes;
    const declared = Number(c.req.header('content-length') ?? '0');
    if (declared > limit + 64 * 1024) return errorResponse(413, TOO_LARGE);
    let form: Record<string, unknown>;
    try {
      form = await c.req.parseBody();
    } catch (err: unknown) {
      ctx.logger.warn({ err: describeError(err) }, 'artifact upload is not multipart');
      return errorResponse(400, '400 Bad request - file is missing');
    }
    const file = form.file;
    if (!(file instanceof File)) return errorResponse(400, '400 Bad request - file is missing');
    if (file.size > limit) return errorResponse(413, TOO_LARGE);
    const param = (key: string): string | undefined =>
      c.req.query(key) ?? (typeof form[key] === 'string' ? form[key] : undefined);
    const type = param('artifact_type') ?? 'archive';
    const format = param('artifact_format') ?? 'zip';
    if (!(ARTIFACT_FORMATS as readonly string[]).includes(format)) {
      return errorResponse(400, '400 Bad request - artifact_format does not have a valid value');
    }
    const expireIn = param('expire_in');
    const data = Buffer.from(await file.arrayBuffer());
    // Ci::JobArtifacts::CreateService parses a dotenv report before storing it.
    const dotenv = type === 'dotenv' ? parseDotenvReport(data, format) : undefined;
    if (dotenv && !dotenv.ok) return errorResponse(400, dotenv.message);
    const result = await ctx.artifacts.save(auth.job, {
      type,
      format,
      filename: file.name,
      data,
      ...(expireIn !== undefined ? { expireIn } : {}),
    });
    if (result === 'created' && dotenv?.ok) auth.job.dotenv = dotenv.variables;
    if (result === 'conflict')
      return errorResponse(
        400,
        '400 Bad request - another artifact of the same type already exists',
      );
    ctx.engine.touch(auth.job);
    return textResponse(201, '201');
  });

  api.get('/jobs/:id/artifacts', (c) => {
    const fault = ctx.faults.take('artifacts/download');
    if (fault) return faultResponse(fault);
    const token = c.req.header('job-token') ?? c.req.query('job_token') ?? c.req.query('token');
    if (!token) return errorResponse(401, '401 Unauthorized');
    const requester = ctx.store.jobByToken(token);
    if (!requester || !isExecuting(requester.status)) return errorResponse(403, '403 Forbidden');
    const target = ctx.store.jobs.get(Number.parseInt(c.req.param('id'), 10));
    if (!target) return errorResponse(404, '404 Not Found');
    if (target.pipelineId !== requester.pipelineId) return errorResponse(403, '403 Forbidden');
    const archive = target.artifacts.find((a) => a.type === 'archive');
    if (!archive) return errorResponse(404, '404 Not Found');
    const stream = Readable.toWeb(
      createReadStream(archive.filePath),
    ) as unknown as ReadableStream<Uint8Array>;
    return new Response(stream, {
      status: 200,
      headers: {
        'Content-Type': 'application/zip',
        'Content-Length': String(archive.size),
        'Content-Disposition': `attachment; filename="${archive.filename}"`,
      },
    });
  });
}
