/**
 * `POST /jobs/:id/artifacts` (gitlab-runner-protocol.md §5.1): one multipart field `file`,
 * format/type/expiry as query parameters. 201 ok; 307 → retry against the Location's origin;
 * 413 too large and 403 forbidden are final; 503 is tried up to 6 times, other failures 3 times.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { backoffDelayMs } from '../../platform/retry.js';
import { describeError } from '../../platform/errors.js';
import type { ArtifactUpload, UploadArtifactsResult } from '../artifacts-api.js';
import type { JobRef } from '../runner-api.js';
import type { ClientContext } from './client-context.js';
import type { HttpResponse } from './http-transport.js';
import { errorMessage } from './response-headers.js';

export const UPLOAD_ATTEMPTS_ON_503 = 6;
export const UPLOAD_ATTEMPTS = 3;
export const UPLOAD_TIMEOUT_MS = 60 * 60_000;
const MAX_REDIRECTS = 5;
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 60_000;

/** `<basename of name or "artifacts">` + `.zip`/`.gz`, unchanged for raw. */
export function artifactFileName(name: string | undefined, format: string | undefined): string {
  const base = basename(name || 'artifacts') || 'artifacts';
  if (format === 'raw') return base;
  if (format === 'gzip') return `${base}.gz`;
  return `${base}.zip`;
}

interface UploadSource {
  /** Called once per attempt. */
  stream(): AsyncIterable<Uint8Array>;
  cleanup(): Promise<void>;
}

async function uploadSource(file: ArtifactUpload['file']): Promise<UploadSource> {
  if (Buffer.isBuffer(file)) {
    return { stream: () => Readable.from([file]), cleanup: () => Promise.resolve() };
  }
  if (typeof file === 'string') {
    return { stream: () => createReadStream(file), cleanup: () => Promise.resolve() };
  }
  const dir = await mkdtemp(join(tmpdir(), 'spotrunner-artifact-'));
  const path = join(dir, 'upload');
  await pipeline(file, createWriteStream(path));
  return {
    stream: () => createReadStream(path),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function multipart(
  source: UploadSource,
  fileName: string,
  boundary: string,
): ReadableStream<Uint8Array> {
  const quoted = fileName
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\r\n]/g, '');
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* parts(): AsyncGenerator<Uint8Array> {
    yield head;
    for await (const chunk of source.stream()) yield chunk;
    yield tail;
  }
  return Readable.toWeb(Readable.from(parts())) as ReadableStream<Uint8Array>;
}

export async function uploadArtifacts(
  ctx: ClientContext,
  job: JobRef,
  upload: ArtifactUpload,
  signal?: AbortSignal,
): Promise<UploadArtifactsResult> {
  const source = await uploadSource(upload.file);
  try {
    return await uploadWithRetries(ctx, job, upload, source, signal);
  } finally {
    await source
      .cleanup()
      .catch((err: unknown) =>
        ctx.logger.warn({ err: describeError(err) }, 'could not remove artifact spool file'),
      );
  }
}

interface Attempt {
  res?: HttpResponse;
  failure: string;
}

async function postOnce(
  ctx: ClientContext,
  url: URL,
  job: JobRef,
  upload: ArtifactUpload,
  source: UploadSource,
  signal?: AbortSignal,
): Promise<Attempt> {
  const boundary = randomBytes(16).toString('hex');
  const fileName = artifactFileName(upload.name, upload.format);
  try {
    const res = await ctx.http.send({
      method: 'POST',
      path: url.href,
      query: {
        expire_in: upload.expireIn || undefined,
        artifact_format: upload.format || undefined,
        artifact_type: upload.type || undefined,
      },
      headers: {
        'JOB-TOKEN': job.token,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
      },
      body: () => multipart(source, fileName, boundary),
      attempts: 1,
      redirect: 'manual',
      timeoutMs: UPLOAD_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    });
    const message = errorMessage(res.body);
    return { res, failure: `HTTP ${res.status}${message ? `: ${message}` : ''}` };
  } catch (err: unknown) {
    if (signal?.aborted) throw err;
    return { failure: describeError(err) };
  }
}

async function uploadWithRetries(
  ctx: ClientContext,
  job: JobRef,
  upload: ArtifactUpload,
  source: UploadSource,
  signal?: AbortSignal,
): Promise<UploadArtifactsResult> {
  let url = new URL(`jobs/${job.id}/artifacts`, ctx.http.baseUrl);
  let redirects = 0;
  const log = { jobId: job.id, type: upload.type };
  for (let attempt = 1; ; attempt++) {
    const { res, failure } = await postOnce(ctx, url, job, upload, source, signal);
    const location = res?.headers.get('Location');
    if (res?.status === 307 && location && redirects < MAX_REDIRECTS) {
      const target = new URL(location, url);
      url = new URL(url.pathname, target.origin);
      redirects++;
      attempt--;
      ctx.logger.info({ ...log, origin: target.origin }, 'artifact upload redirected');
      continue;
    }
    if (res?.status === 201) {
      ctx.logger.info({ ...log, attempts: attempt }, 'artifacts uploaded');
      return { kind: 'ok', attempts: attempt };
    }
    if (res?.status === 413) return { kind: 'too-large', ...messageOf(res) };
    if (res?.status === 403) return { kind: 'forbidden', ...messageOf(res) };
    const limit = res?.status === 503 ? UPLOAD_ATTEMPTS_ON_503 : UPLOAD_ATTEMPTS;
    ctx.logger.warn({ ...log, attempt, failure }, 'artifact upload failed');
    if (attempt >= limit) {
      const status = res ? { status: res.status } : {};
      return { kind: 'failed', ...status, message: failure, attempts: attempt };
    }
    await ctx.clock.sleep(backoffDelayMs(attempt, RETRY_BASE_MS, RETRY_MAX_MS), signal);
  }
}

function messageOf(res: HttpResponse): { message?: string } {
  const message = errorMessage(res.body);
  return message !== undefined ? { message } : {};
}
