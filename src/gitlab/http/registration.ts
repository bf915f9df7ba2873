/**
 * verify, register and unregister (gitlab-runner-protocol.md §1.2–1.5).
 */
import { SpotrunnerError, UserError } from '../../platform/errors.js';
import type { RegisterParams, RegisterResult, UnregisterResult } from '../registration-api.js';
import type { VerifyResult } from '../runner-api.js';
import { isCreatedRunnerToken } from '../short-token.js';
import { parseExpiry, rememberLastUpdate, type ClientContext } from './client-context.js';
import type { HttpResponse } from './http-transport.js';
import { errorMessage } from './response-headers.js';

export interface TokenReset {
  token: string;
  obtainedAtMs: number;
  tokenExpiresAtMs?: number;
}

interface RegistrationDetails {
  id?: number;
  token?: string;
  tokenExpiresAtMs?: number;
}

function registrationDetails(json: unknown): RegistrationDetails {
  if (typeof json !== 'object' || json === null) return {};
  const o = json as Record<string, unknown>;
  const expires = parseExpiry(o.token_expires_at);
  return {
    ...(typeof o.id === 'number' ? { id: o.id } : {}),
    ...(typeof o.token === 'string' && o.token ? { token: o.token } : {}),
    ...(expires !== undefined ? { tokenExpiresAtMs: expires } : {}),
  };
}

function httpError(what: string, res: HttpResponse): SpotrunnerError {
  const message = errorMessage(res.body);
  return new SpotrunnerError(
    'gitlab_http',
    `${what} failed: HTTP ${res.status}${message ? `: ${message}` : ''}`,
    { retryable: res.status >= 500 || res.status === 429 },
  );
}

/**
 * `POST /runners/verify` with `token`. 200 ⇒ valid (legacy servers answer a text `200`: the call
 * is repeated without expecting JSON and counts as valid with no id); 403 ⇒ invalid; anything
 * else throws (a fault, not a verdict on the token).
 */
export async function verifyToken(
  ctx: ClientContext,
  token: string,
  signal?: AbortSignal,
): Promise<VerifyResult> {
  const request = {
    method: 'POST' as const,
    path: 'runners/verify',
    json: { token, system_id: ctx.systemId, info: ctx.info },
    headers: { 'RUNNER-TOKEN': token },
    ...(signal ? { signal } : {}),
  };
  const res = await ctx.http.send({ ...request, expectJson: true });
  rememberLastUpdate(ctx, res);
  if (res.status === 200 && res.isJson) {
    const details = registrationDetails(res.json);
    ctx.logger.info({ runnerId: details.id }, 'runner verified');
    return { valid: true, ...details };
  }
  if (res.status === 200) {
    const legacy = await ctx.http.send(request);
    if (legacy.status === 200) {
      ctx.logger.info({}, 'runner verified (legacy answer)');
      return { valid: true };
    }
    throw httpError('verify', legacy);
  }
  if (res.status === 403) {
    const message = errorMessage(res.body) ?? 'forbidden';
    ctx.logger.error({ message }, 'runner token is invalid or the runner was removed');
    return { valid: false, message };
  }
  throw httpError('verify', res);
}

const SERVER_SIDE_PARAMS: readonly (keyof RegisterParams)[] = [
  'tagList',
  'runUntagged',
  'locked',
  'accessLevel',
  'maximumTimeoutSeconds',
  'paused',
  'maintenanceNote',
];

async function registerCreated(
  ctx: ClientContext,
  token: string,
  params: RegisterParams,
  signal?: AbortSignal,
): Promise<RegisterResult> {
  const refused = SERVER_SIDE_PARAMS.filter((k) => params[k] !== undefined);
  if (refused.length > 0) {
    throw new UserError(
      `runner was created in GitLab (glrt- token): set ${refused.join(', ')} there, not at registration`,
    );
  }
  const obtainedAtMs = ctx.clock.now();
  const verified = await verifyToken(ctx, token, signal);
  if (!verified.valid) {
    throw new UserError(
      `GitLab refused the runner token: ${verified.message ?? 'forbidden'}`,
      'gitlab_forbidden',
    );
  }
  if (!verified.id) throw new UserError('GitLab did not return a runner id for this token');
  return {
    id: verified.id,
    token: verified.token ?? token,
    tokenObtainedAtMs: obtainedAtMs,
    ...(verified.tokenExpiresAtMs !== undefined
      ? { tokenExpiresAtMs: verified.tokenExpiresAtMs }
      : {}),
    flow: 'verify',
  };
}

function legacyRegisterBody(ctx: ClientContext, token: string, p: RegisterParams): object {
  const tags = p.tagList ?? [];
  return {
    token,
    ...(p.description ? { description: p.description } : {}),
    ...(p.maintenanceNote ? { maintenance_note: p.maintenanceNote } : {}),
    ...(tags.length > 0 ? { tag_list: tags.join(',') } : {}),
    run_untagged: p.runUntagged ?? tags.length === 0,
    locked: p.locked ?? true,
    ...(p.accessLevel ? { access_level: p.accessLevel } : {}),
    ...(p.maximumTimeoutSeconds !== undefined ? { maximum_timeout: p.maximumTimeoutSeconds } : {}),
    paused: p.paused ?? false,
    info: ctx.info,
  };
}

/** Registers with a legacy registration token (`POST /runners`) or a `glrt-` token (verify). */
export async function register(
  ctx: ClientContext,
  token: string,
  params: RegisterParams = {},
  signal?: AbortSignal,
): Promise<RegisterResult> {
  if (isCreatedRunnerToken(token)) return registerCreated(ctx, token, params, signal);
  const obtainedAtMs = ctx.clock.now();
  const res = await ctx.http.send({
    method: 'POST',
    path: 'runners',
    json: legacyRegisterBody(ctx, token, params),
    headers: { 'RUNNER-TOKEN': token },
    expectJson: true,
    ...(signal ? { signal } : {}),
  });
  const message = errorMessage(res.body);
  if (res.status === 201 && res.isJson) {
    const details = registrationDetails(res.json);
    if (details.id === undefined || details.token === undefined) {
      throw new SpotrunnerError('gitlab_payload', 'registration answer lacks id or token');
    }
    ctx.logger.info({ runnerId: details.id }, 'runner registered');
    return {
      ...details,
      id: details.id,
      token: details.token,
      tokenObtainedAtMs: obtainedAtMs,
      flow: 'legacy',
    };
  }
  if (res.status === 403) {
    throw new UserError(
      `registration refused (check the registration token): ${message ?? 'forbidden'}`,
      'gitlab_forbidden',
    );
  }
  if (res.status === 410) {
    throw new UserError(
      `registration tokens are disabled on this GitLab; create the runner in GitLab and use its glrt- token (${message ?? 'gone'})`,
      'gitlab_forbidden',
    );
  }
  if (res.status === 400)
    throw new UserError(`registration rejected: ${message ?? 'bad request'}`, 'gitlab_http');
  throw httpError('register', res);
}

/** Deletes the runner (legacy token) or only this machine's runner manager (`glrt-` token). */
export async function unregister(
  ctx: ClientContext,
  signal?: AbortSignal,
): Promise<UnregisterResult> {
  const created = isCreatedRunnerToken(ctx.token);
  const res = await ctx.http.send({
    method: 'DELETE',
    path: created ? 'runners/managers' : 'runners',
    json: created ? { token: ctx.token, system_id: ctx.systemId } : { token: ctx.token },
    headers: { 'RUNNER-TOKEN': ctx.token },
    ...(signal ? { signal } : {}),
  });
  const message = errorMessage(res.body);
  const ok = res.status === 204;
  if (ok) ctx.logger.info({ manager: created }, 'runner unregistered');
  else ctx.logger.error({ status: res.status, message }, 'unregistering runner failed');
  return { ok, status: res.status, ...(message && !ok ? { message } : {}) };
}

/**
 * `POST /runners/reset_authentication_token` with the current token (§1.6): GitLab answers 201
 * with a new token (and its expiry when tokens expire). From then on the client uses the new
 * token; the caller must persist it (the old one no longer works).
 */
export async function resetToken(ctx: ClientContext, signal?: AbortSignal): Promise<TokenReset> {
  const res = await ctx.http.send({
    method: 'POST',
    path: 'runners/reset_authentication_token',
    json: { token: ctx.token },
    expectJson: true,
    ...(signal ? { signal } : {}),
  });
  if (res.status === 201 && res.isJson) {
    const details = registrationDetails(res.json);
    if (!details.token) {
      throw new SpotrunnerError('gitlab_payload', 'token reset answer lacks the new token');
    }
    ctx.token = details.token;
    ctx.logger.info(
      details.tokenExpiresAtMs === undefined
        ? {}
        : { expiresAt: new Date(details.tokenExpiresAtMs).toISOString() },
      'runner token reset',
    );
    return {
      token: details.token,
      obtainedAtMs: ctx.clock.now(),
      ...(details.tokenExpiresAtMs === undefined
        ? {}
        : { tokenExpiresAtMs: details.tokenExpiresAtMs }),
    };
  }
  if (res.status === 403) {
    throw new UserError(
      `GitLab refused to reset the runner token: ${errorMessage(res.body) ?? 'forbidden'}`,
    );
  }
  throw httpError('token reset', res);
}
