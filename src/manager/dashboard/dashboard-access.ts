/**
 * Who may read the dashboard: a loopback client always (unless the request came through a
 * proxy, which says so in Forwarded / X-Forwarded-For); anyone else only with the token in
 * `dashboard_token_file`, as `Authorization: Bearer <token>` or as the session cookie that
 * opening `/?token=<token>` once sets (HttpOnly, SameSite=Strict). The cookie holds an expiry
 * and an HMAC of it under the token, never the token: a session ends after 24 h, or sooner when
 * the file changes. Comparisons are
 * constant-time; the token is read from the file per request and never logged.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export const SESSION_COOKIE = 'spotrunner_dashboard';

export interface AccessRequest {
  remoteAddress?: string;
  header(name: string): string | undefined;
  /** `?token=` of the request, when it has one. */
  queryToken?: string;
}

export type AccessDecision =
  | { allowed: true; via: 'loopback' | 'bearer' | 'cookie' }
  /** `setCookie`: the session cookie's value, for a `?token=` that matched. */
  | { allowed: true; via: 'query'; setCookie: string }
  /** `via: 'no-token'`: no token could be read from the file (none configured, or unreadable). */
  | { allowed: false; via: 'no-token' | 'wrong-token'; reason: string };

export function isLoopback(addr: string | undefined): boolean {
  return !!addr && (addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.'));
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time: both sides hashed to the same length first. */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export const SESSION_MS = 24 * 3600_000;

/** `<expiresAtMs>.<HMAC of it under the token>`: ends at that time or when the token changes. */
export function sessionValue(token: string, expiresAtMs: number): string {
  const mac = createHmac('sha256', token).update(`spotrunner dashboard ${expiresAtMs}`);
  return `${expiresAtMs}.${mac.digest('hex')}`;
}

function isSession(value: string, token: string, nowMs: number): boolean {
  const expiresAtMs = Number(value.split('.')[0]);
  if (!Number.isSafeInteger(expiresAtMs) || expiresAtMs <= nowMs) return false;
  return sameSecret(value, sessionValue(token, expiresAtMs));
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The token in the file, trimmed; undefined when there is no file or it is empty. */
export async function readDashboardToken(file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  try {
    const token = (await readFile(file, 'utf8')).trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

export async function decideAccess(
  req: AccessRequest,
  tokenFile: string | undefined,
  nowMs: number,
): Promise<AccessDecision> {
  const proxied = req.header('forwarded') ?? req.header('x-forwarded-for');
  if (isLoopback(req.remoteAddress) && proxied === undefined)
    return { allowed: true, via: 'loopback' };
  const token = await readDashboardToken(tokenFile);
  if (token === undefined)
    return {
      allowed: false,
      via: 'no-token',
      reason: 'the dashboard answers loopback clients only',
    };
  const auth = /^Bearer\s+(.+)$/i.exec(req.header('authorization') ?? '');
  if (auth?.[1] !== undefined && sameSecret(auth[1].trim(), token))
    return { allowed: true, via: 'bearer' };
  const cookie = cookieValue(req.header('cookie'), SESSION_COOKIE);
  if (cookie !== undefined && isSession(cookie, token, nowMs))
    return { allowed: true, via: 'cookie' };
  if (req.queryToken !== undefined && sameSecret(req.queryToken, token))
    return { allowed: true, via: 'query', setCookie: sessionValue(token, nowMs + SESSION_MS) };
  return { allowed: false, via: 'wrong-token', reason: 'a token is required' };
}
