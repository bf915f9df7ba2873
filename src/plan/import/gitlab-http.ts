/**
 * A small read-only GitLab REST client for the history import: `PRIVATE-TOKEN` auth, retries
 * on 429 (honouring Retry-After) and 5xx with jittered backoff, pagination by `Link: rel="next"`
 * or `X-Next-Page`. The token is never logged or put in an error message.
 */
import type { Clock } from '../../platform/clock.js';
import { SpotrunnerError, UserError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { retry } from '../../platform/retry.js';

export type FetchFn = (
  url: string,
  init: { headers: Record<string, string>; signal?: AbortSignal },
) => Promise<Response>;

export interface GitlabHttpDeps {
  fetch: FetchFn;
  clock: Clock;
  logger: Logger;
}

export interface GitlabHttpOptions {
  /** Instance root, e.g. `https://gitlab.example.com`. */
  baseUrl: string;
  token?: string;
  /** Attempts per request, including the first (default 8). */
  attempts?: number;
  signal?: AbortSignal;
}

export interface GitlabPage<T> {
  body: T;
  /** Absolute URL of the next page, if any. */
  next?: string;
}

class HttpStatusError extends SpotrunnerError {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super('gitlab_http', message, { retryable: status === 429 || status >= 500 });
  }
}

/** Retry-After as seconds or an HTTP date, in ms from `nowMs`. */
export function parseRetryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** The next page from `Link: <…>; rel="next"` (keyset or offset), else `X-Next-Page`. */
export function nextPageUrl(headers: Headers, currentUrl: string): string | undefined {
  const link = headers.get('link');
  if (link) {
    for (const part of link.split(',')) {
      const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
      if (m) return new URL(m[1]!, currentUrl).toString();
    }
  }
  const page = headers.get('x-next-page');
  if (page && page.trim() !== '') {
    const url = new URL(currentUrl);
    url.searchParams.set('page', page.trim());
    return url.toString();
  }
  return undefined;
}

export interface GitlabHttp {
  /** GETs an API path (`/projects/1/jobs?…`) or an absolute next-page URL. */
  get<T>(pathOrUrl: string): Promise<GitlabPage<T>>;
  readonly host: string;
}

async function getOnce<T>(
  deps: GitlabHttpDeps,
  req: { url: string; host: string; headers: Record<string, string>; signal?: AbortSignal },
): Promise<GitlabPage<T>> {
  const { url, host, headers } = req;
  let res: Response;
  try {
    res = await deps.fetch(url, {
      headers,
      ...(req.signal ? { signal: req.signal } : {}),
    });
  } catch (err: unknown) {
    throw new SpotrunnerError('gitlab_transport', `cannot reach ${host}`, {
      retryable: true,
      cause: err,
    });
  }
  if (res.status === 401 || res.status === 403) {
    await res.body?.cancel();
    throw new UserError(
      `GitLab ${host} answered ${res.status}: the token is missing or lacks the read_api scope`,
      'gitlab_forbidden',
    );
  }
  if (res.status === 404) {
    await res.body?.cancel();
    throw new UserError(
      `GitLab ${host}: ${new URL(url).pathname} not found (check --project/--group)`,
      'not_found',
    );
  }
  if (!res.ok) {
    await res.body?.cancel();
    const wait = parseRetryAfterMs(res.headers.get('retry-after'), deps.clock.now());
    throw new HttpStatusError(res.status, `GitLab ${host} answered ${res.status}`, wait);
  }
  const body = (await res.json()) as T;
  const next = nextPageUrl(res.headers, url);
  return next === undefined ? { body } : { body, next };
}

export function createGitlabHttp(deps: GitlabHttpDeps, options: GitlabHttpOptions): GitlabHttp {
  const root = options.baseUrl.replace(/\/+$/, '');
  let host: string;
  try {
    host = new URL(root).host;
  } catch {
    throw new UserError(`--gitlab-url ${options.baseUrl}: not a URL (e.g. https://gitlab.com)`);
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers['private-token'] = options.token;
  const log = deps.logger.child({ component: 'plan-import', host });

  return {
    host,
    get<T>(pathOrUrl: string): Promise<GitlabPage<T>> {
      const url = /^https?:\/\//.test(pathOrUrl) ? pathOrUrl : `${root}/api/v4${pathOrUrl}`;
      return retry(
        () =>
          getOnce<T>(deps, {
            url,
            host,
            headers,
            ...(options.signal ? { signal: options.signal } : {}),
          }),
        {
          clock: deps.clock,
          attempts: options.attempts ?? 8,
          baseDelayMs: 1000,
          maxDelayMs: 60_000,
          retryable: (err) => err instanceof SpotrunnerError && err.retryable,
          delayFor: (err) => (err instanceof HttpStatusError ? err.retryAfterMs : undefined),
          ...(options.signal ? { signal: options.signal } : {}),
          onRetry: (err, attempt, delayMs) =>
            log.warn(
              { attempt, delayMs, status: err instanceof HttpStatusError ? err.status : undefined },
              'gitlab request retried',
            ),
        },
      );
    },
  };
}
