/**
 * Reading what GitLab says in headers and error bodies (gitlab-runner-protocol.md §0.2, §3.3,
 * §4.2): retry delays, `Job-Status`, `X-GitLab-Trace-Update-Interval`, `Range`, messages.
 */

/** Longest update interval a server may ask for (gitlab-runner `MaxUpdateInterval`). */
export const MAX_UPDATE_INTERVAL_MS = 15 * 60_000;
/** Longest wait a `Retry-After`/`RateLimit-ResetTime` header may impose on one retry. */
export const MAX_SERVER_RETRY_DELAY_MS = 60 * 60_000;

const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Statuses the transport retries (gitlab-runner `retry_requester.go`). */
export function isRetryableStatus(status: number): boolean {
  return RETRY_STATUSES.has(status) || status >= 512;
}

/** `RateLimit-ResetTime` (RFC 1123 date) first, then `Retry-After` (integer seconds). */
export function serverRetryDelayMs(headers: Headers, nowMs: number): number | undefined {
  const reset = headers.get('RateLimit-ResetTime');
  if (reset) {
    const at = Date.parse(reset);
    if (!Number.isNaN(at) && at > nowMs) return Math.min(at - nowMs, MAX_SERVER_RETRY_DELAY_MS);
  }
  const after = headers.get('Retry-After')?.trim();
  if (after && /^\d+$/.test(after)) {
    const seconds = Number(after);
    if (seconds > 0) return Math.min(seconds * 1000, MAX_SERVER_RETRY_DELAY_MS);
  }
  return undefined;
}

/** `X-GitLab-Trace-Update-Interval` in ms (positive integer seconds), capped at 15 min. */
export function updateIntervalMs(headers: Headers): number | undefined {
  const raw = headers.get('X-GitLab-Trace-Update-Interval')?.trim();
  if (!raw || !/^\d+$/.test(raw)) return undefined;
  const seconds = Number(raw);
  if (seconds <= 0) return undefined;
  return Math.min(seconds * 1000, MAX_UPDATE_INTERVAL_MS);
}

export interface RemoteJobState {
  status?: string;
  /** `canceled`/`failed` in Job-Status: stop at once. */
  aborted: boolean;
  /** `canceling`: graceful cancel requested. */
  cancelRequested: boolean;
}

export function remoteJobState(headers: Headers): RemoteJobState {
  const status = headers.get('Job-Status')?.trim() || undefined;
  return {
    ...(status !== undefined ? { status } : {}),
    aborted: status === 'canceled' || status === 'failed',
    cancelRequested: status === 'canceling',
  };
}

/** The server's trace length from `Range: 0-<len>` (a length, not a last index). */
export function rangeLength(headers: Headers): number | undefined {
  const m = /^\s*(?:bytes[= ])?0-(\d+)\s*$/.exec(headers.get('Range') ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * The text of a Rails error body: `{"message": "…"}` or `{"message": {"field": ["err"]}}`,
 * falling back to `{"error": "…"}` or the raw text (trimmed, at most 300 characters).
 */
export function errorMessage(body: Buffer | string): string | undefined {
  const text = (typeof body === 'string' ? body : body.toString('utf8')).trim();
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text.slice(0, 300);
  }
  if (typeof parsed !== 'object' || parsed === null) return text.slice(0, 300);
  const obj = parsed as Record<string, unknown>;
  const message = obj.message ?? obj.error;
  if (typeof message === 'string') return message;
  if (typeof message === 'object' && message !== null) {
    return Object.entries(message as Record<string, unknown>)
      .map(([field, errs]) => `${field} ${Array.isArray(errs) ? errs.join(', ') : String(errs)}`)
      .join('; ');
  }
  return text.slice(0, 300);
}

/** Whether a Content-Type header names `application/json` (parameters ignored). */
export function isJsonContentType(contentType: string | null): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}
