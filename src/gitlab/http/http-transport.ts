/**
 * One HTTP exchange with GitLab's API as gitlab-runner does it (gitlab-runner-protocol.md §0.2):
 * common headers, a per-request timeout, and automatic retries of 408/429/5xx (max 5 attempts in
 * total) honouring `RateLimit-ResetTime`/`Retry-After`, else jittered backoff 100 ms → 60 s.
 * Bodies are replayed on each attempt, so they are given as a Buffer or a stream factory.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { SpotrunnerError, describeError } from '../../platform/errors.js';
import { abortReason, anySignal } from '../../platform/abort.js';
import { retry } from '../../platform/retry.js';
import { isJsonContentType, isRetryableStatus, serverRetryDelayMs } from './response-headers.js';

export const DEFAULT_MAX_ATTEMPTS = 5;
export const RETRY_BASE_DELAY_MS = 100;
export const RETRY_MAX_DELAY_MS = 60_000;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  /** Relative to the API base (`jobs/request`), or an absolute URL. */
  path: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  /** Serialised as JSON with `Content-Type: application/json`. */
  json?: unknown;
  /** A raw body; a factory is called once per attempt (streams cannot be replayed). */
  body?: Buffer | (() => ReadableStream<Uint8Array>);
  /** Sends `Accept: application/json`. */
  expectJson?: boolean;
  /** Attempts in total for retryable statuses (default 5; 1 disables retries). */
  attempts?: number;
  timeoutMs?: number;
  redirect?: 'follow' | 'manual';
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  /** Content-Type is application/json. */
  isJson: boolean;
  /** The parsed body when `isJson` and it parses, else undefined. */
  json: unknown;
}

export interface HttpTransport {
  readonly baseUrl: string;
  /** Sends and reads the whole body. Throws SpotrunnerError `gitlab_transport` on I/O failure. */
  send(request: HttpRequest): Promise<HttpResponse>;
  /** Sends and returns the response with its body unread (downloads). */
  open(request: HttpRequest): Promise<Response>;
}

export interface HttpTransportDeps {
  clock: Clock;
  logger: Logger;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface HttpTransportOptions {
  baseUrl: string;
  userAgent: string;
  requestTimeoutMs: number;
}

class RetryableStatus extends Error {
  constructor(
    readonly status: number,
    readonly delayMs: number | undefined,
  ) {
    super(`retryable status ${status}`);
  }
}

export function createHttpTransport(
  deps: HttpTransportDeps,
  options: HttpTransportOptions,
): HttpTransport {
  return new FetchTransport(deps, options);
}

class FetchTransport implements HttpTransport {
  readonly baseUrl: string;
  readonly #deps: HttpTransportDeps;
  readonly #options: HttpTransportOptions;
  readonly #fetch: typeof fetch;

  constructor(deps: HttpTransportDeps, options: HttpTransportOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#fetch = deps.fetch ?? globalThis.fetch;
    this.baseUrl = options.baseUrl;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const res = await this.open(req);
    let body: Buffer;
    try {
      body = Buffer.from(await res.arrayBuffer());
    } catch (err: unknown) {
      throw transportError(req, err);
    }
    const isJson = isJsonContentType(res.headers.get('Content-Type'));
    let json: unknown;
    if (isJson && body.length > 0) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch (err: unknown) {
        this.#deps.logger.warn(
          { path: req.path, err: describeError(err) },
          'gitlab sent invalid json',
        );
      }
    }
    return { status: res.status, headers: res.headers, body, isJson, json };
  }

  open(req: HttpRequest): Promise<Response> {
    const attempts = Math.max(1, req.attempts ?? DEFAULT_MAX_ATTEMPTS);
    const { clock, random, logger } = this.#deps;
    return retry(
      async (attempt) => {
        const res = await this.#fetchOnce(req);
        if (attempt < attempts && isRetryableStatus(res.status)) {
          await res.body?.cancel().catch(() => undefined);
          throw new RetryableStatus(res.status, serverRetryDelayMs(res.headers, clock.now()));
        }
        return res;
      },
      {
        clock,
        attempts,
        baseDelayMs: RETRY_BASE_DELAY_MS,
        maxDelayMs: RETRY_MAX_DELAY_MS,
        retryable: (err) => err instanceof RetryableStatus,
        delayFor: (err) => (err instanceof RetryableStatus ? err.delayMs : undefined),
        ...(req.signal ? { signal: req.signal } : {}),
        ...(random ? { random } : {}),
        onRetry: (err, attempt, delayMs) => {
          const status = err instanceof RetryableStatus ? err.status : undefined;
          logger.info(
            { method: req.method, path: req.path, status, attempt, delayMs },
            'gitlab request retried',
          );
        },
      },
    );
  }

  async #fetchOnce(req: HttpRequest): Promise<Response> {
    const headers: Record<string, string> = {
      'User-Agent': this.#options.userAgent,
      'X-Request-Id': randomUUID().replace(/-/g, ''),
    };
    if (req.expectJson) headers.Accept = 'application/json';
    let body: string | Buffer | ReadableStream<Uint8Array> | undefined;
    if (req.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (Buffer.isBuffer(req.body)) {
      body = req.body;
    } else if (req.body) {
      body = req.body();
    }
    Object.assign(headers, req.headers);
    // Network timeouts bound real I/O, so they run on real time even under a virtual clock.
    const timeout = AbortSignal.timeout(req.timeoutMs ?? this.#options.requestTimeoutMs);
    const init: RequestInit & { duplex?: 'half' } = {
      method: req.method,
      headers,
      redirect: req.redirect ?? 'follow',
      signal: anySignal(req.signal, timeout),
    };
    if (body !== undefined) init.body = body;
    if (body instanceof ReadableStream) init.duplex = 'half';
    try {
      return await this.#fetch(this.#urlFor(req), init);
    } catch (err: unknown) {
      throw transportError(req, err);
    }
  }

  #urlFor(req: HttpRequest): URL {
    const url = new URL(req.path, this.#options.baseUrl);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, v);
    }
    return url;
  }
}

/** The caller's abort stays an abort; anything else is a retryable transport error. */
function transportError(req: HttpRequest, err: unknown): Error {
  if (req.signal?.aborted) return abortReason(req.signal);
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  const detail = cause !== err ? ` (${describeError(cause)})` : '';
  return new SpotrunnerError(
    'gitlab_transport',
    `${req.method} ${req.path}: ${describeError(err)}${detail}`,
    { retryable: true, cause: err },
  );
}

/** A user agent in gitlab-runner's shape: `name version (revision; node vX; os/arch)`. */
export function userAgent(info: {
  name: string;
  version: string;
  revision?: string;
  platform: string;
  architecture: string;
}): string {
  return `${info.name} ${info.version} (${info.revision ?? 'unknown'}; node ${process.version}; ${info.platform}/${info.architecture})`;
}
