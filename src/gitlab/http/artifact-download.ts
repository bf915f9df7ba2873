/**
 * `GET /jobs/:id/artifacts` (gitlab-runner-protocol.md §5.3): follows redirects (dropping the
 * job token when leaving GitLab's origin), 404 → not-found, 401/403 → forbidden (object-store
 * XML `<Error><Code>` parsed), anything else retried twice after 1 s.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { describeError } from '../../platform/errors.js';
import type {
  ArtifactDestination,
  DownloadArtifactsResult,
  DownloadOptions,
} from '../artifacts-api.js';
import type { JobRef } from '../runner-api.js';
import type { ClientContext } from './client-context.js';
import { errorMessage } from './response-headers.js';

export const DOWNLOAD_ATTEMPTS = 3;
export const DOWNLOAD_RETRY_DELAY_MS = 1000;
export const DOWNLOAD_TIMEOUT_MS = 60 * 60_000;
const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** `<Error><Code>AccessDenied</Code><Message>…</Message></Error>` → code and message. */
export function parseXmlError(body: string): { code?: string; message?: string } {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  return { ...(code ? { code } : {}), ...(message ? { message } : {}) };
}

async function openFollowing(
  ctx: ClientContext,
  dependency: JobRef,
  first: URL,
  signal?: AbortSignal,
): Promise<Response> {
  const gitlabOrigin = new URL(ctx.http.baseUrl).origin;
  let url = first;
  for (let hop = 0; ; hop++) {
    const sameOrigin = url.origin === gitlabOrigin;
    const res = await ctx.http.open({
      method: 'GET',
      path: url.href,
      headers: sameOrigin ? { 'JOB-TOKEN': dependency.token } : {},
      attempts: 1,
      redirect: 'manual',
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    });
    const location = res.headers.get('Location');
    if (!REDIRECT_STATUSES.has(res.status) || !location || hop >= MAX_REDIRECTS) return res;
    await res.body?.cancel().catch(() => undefined);
    url = new URL(location, url);
  }
}

async function save(res: Response, dest: ArtifactDestination): Promise<number> {
  let bytes = 0;
  const body = res.body
    ? Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>)
    : Readable.from([]);
  const count = async function* (src: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of src) {
      bytes += chunk.length;
      yield chunk;
    }
  };
  await pipeline(body, count, typeof dest === 'string' ? createWriteStream(dest) : dest);
  return bytes;
}

export async function downloadArtifacts(
  ctx: ClientContext,
  dependency: JobRef,
  dest: ArtifactDestination,
  options: DownloadOptions = {},
  signal?: AbortSignal,
): Promise<DownloadArtifactsResult> {
  const log = { dependencyId: dependency.id };
  for (let attempt = 1; ; attempt++) {
    const url = new URL(`jobs/${dependency.id}/artifacts`, ctx.http.baseUrl);
    if (attempt === 1 && options.directDownload) url.searchParams.set('direct_download', 'true');
    let status: number | undefined;
    let failure: string;
    try {
      const res = await openFollowing(ctx, dependency, url, signal);
      status = res.status;
      if (res.status === 200) {
        const bytes = await save(res, dest);
        ctx.logger.info({ ...log, bytes }, 'artifacts downloaded');
        return { kind: 'ok', bytes };
      }
      const text = await res.text();
      if (res.status === 404) return { kind: 'not-found' };
      if (res.status === 401 || res.status === 403) {
        const xml = parseXmlError(text);
        const message = xml.message ?? errorMessage(text);
        return { kind: 'forbidden', status: res.status, ...xml, ...(message ? { message } : {}) };
      }
      failure = `HTTP ${res.status}${errorMessage(text) ? `: ${errorMessage(text)}` : ''}`;
    } catch (err: unknown) {
      if (signal?.aborted) throw err;
      failure = describeError(err);
    }
    ctx.logger.warn({ ...log, attempt, failure }, 'artifact download failed');
    // A Writable may already hold part of the body: only a file path can be rewritten.
    if (attempt >= DOWNLOAD_ATTEMPTS || (typeof dest !== 'string' && status === 200)) {
      return {
        kind: 'failed',
        ...(status !== undefined ? { status } : {}),
        message: failure,
        attempts: attempt,
      };
    }
    await ctx.clock.sleep(DOWNLOAD_RETRY_DELAY_MS, signal);
  }
}
