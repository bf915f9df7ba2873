/** Response helpers shaped like Rails' runner API answers. */
import type { Context } from 'hono';
import type { ActiveFault } from './fault-switches.js';

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** `{"message": "<status> <text>"}` as Grape renders `error!`. */
export function errorResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return jsonResponse(status, { message }, headers);
}

export function textResponse(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(status === 204 ? null : body, {
    status,
    headers: { 'Content-Type': 'text/plain', ...headers },
  });
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): Response {
  return new Response(null, { status, headers });
}

export function faultResponse(fault: ActiveFault): Response {
  const headers: Record<string, string> = {};
  if (fault.retryAfterS !== undefined) headers['Retry-After'] = String(fault.retryAfterS);
  return errorResponse(fault.status, `${fault.status} injected by the sandbox`, headers);
}

/** Reads a JSON or form body as a plain object; undefined when it is not parseable. */
export async function readBody(c: Context): Promise<Record<string, unknown> | undefined> {
  const type = c.req.header('content-type') ?? '';
  try {
    if (
      type.includes('application/x-www-form-urlencoded') ||
      type.includes('multipart/form-data')
    ) {
      return await c.req.parseBody();
    }
    const text = await c.req.text();
    if (text.trim() === '') return {};
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function stringField(
  body: Record<string, unknown> | undefined,
  key: string,
): string | undefined {
  const value = body?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function recordField(
  body: Record<string, unknown> | undefined,
  key: string,
): Record<string, unknown> {
  const value = body?.[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
