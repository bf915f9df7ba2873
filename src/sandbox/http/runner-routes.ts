/** Runner registration endpoints (protocol §1.2–1.6). */
import type { Hono } from 'hono';
import { addRunner, heartbeat, parseTagList, rotateRunnerToken } from '../model/runner-registry.js';
import {
  emptyResponse,
  errorResponse,
  faultResponse,
  jsonResponse,
  readBody,
  stringField,
} from './http-helpers.js';
import type { SandboxContext } from './sandbox-context.js';

function tokenExpiry(ctx: SandboxContext): string | null {
  const ttlS = ctx.settings.runnerTokenTtlS;
  return ttlS > 0 ? new Date(ctx.clock.now() + ttlS * 1000).toISOString() : null;
}

function registrationDetails(
  ctx: SandboxContext,
  id: number,
  token: string,
): Record<string, unknown> {
  return { id, token, token_expires_at: tokenExpiry(ctx) };
}

function validateRegistration(
  body: Record<string, unknown>,
  tags: string[],
): Record<string, string[]> | undefined {
  const errors: Record<string, string[]> = {};
  const maxTimeout = body.maximum_timeout;
  if (
    maxTimeout !== undefined &&
    maxTimeout !== null &&
    (typeof maxTimeout !== 'number' || maxTimeout < 600)
  ) {
    errors.maximum_timeout = ['needs to be at least 10 minutes'];
  }
  if (tags.length === 0 && body.run_untagged === false) {
    errors.tags_list = ['can not be empty when runner is not allowed to pick untagged jobs'];
  }
  if (tags.length > 50) errors.tags_list = ['is too long (maximum is 50 tags)'];
  return Object.keys(errors).length > 0 ? errors : undefined;
}

export function registerRunnerRoutes(api: Hono, ctx: SandboxContext): void {
  api.post('/runners', async (c) => {
    const body = (await readBody(c)) ?? {};
    const token = stringField(body, 'token');
    if (!token) return errorResponse(400, '400 Bad request - token is missing');
    if (token !== ctx.settings.registrationToken) return errorResponse(403, '403 Forbidden');
    if (!ctx.settings.registrationEnabled)
      return errorResponse(410, '410 Gone - runner registration disallowed');
    const tags = parseTagList(body.tag_list);
    const errors = validateRegistration(body, tags);
    if (errors) return jsonResponse(400, { message: errors });
    const runner = addRunner(
      ctx.store,
      {
        description: stringField(body, 'description') ?? '',
        tags,
        runUntagged:
          body.run_untagged === undefined
            ? true
            : body.run_untagged === true || body.run_untagged === 'true',
        locked: body.locked === true || body.locked === 'true',
        paused: body.paused === true || body.paused === 'true' || body.active === false,
        ...(typeof body.maximum_timeout === 'number'
          ? { maximumTimeoutS: body.maximum_timeout }
          : {}),
      },
      true,
      ctx.clock.now(),
    );
    ctx.logger.info({ runnerId: runner.id }, 'runner registered');
    return jsonResponse(201, registrationDetails(ctx, runner.id, runner.token));
  });

  api.post('/runners/verify', async (c) => {
    const fault = ctx.faults.take('runners/verify');
    if (fault) return faultResponse(fault);
    const body = (await readBody(c)) ?? {};
    const token = stringField(body, 'token');
    if (!token) return errorResponse(400, '400 Bad request - token is missing');
    const runner = ctx.store.runnerByToken(token);
    if (!runner) return errorResponse(403, '403 Forbidden');
    heartbeat(runner, stringField(body, 'system_id') ?? '<legacy>', body.info, ctx.clock.now());
    return jsonResponse(200, registrationDetails(ctx, runner.id, runner.token));
  });

  api.delete('/runners', async (c) => {
    const body = (await readBody(c)) ?? {};
    const token = stringField(body, 'token');
    if (!token) return errorResponse(400, '400 Bad request - token is missing');
    const runner = ctx.store.runnerByToken(token);
    if (!runner) return errorResponse(403, '403 Forbidden');
    ctx.store.removeRunner(runner);
    ctx.logger.info({ runnerId: runner.id }, 'runner deleted');
    return emptyResponse(204);
  });

  api.delete('/runners/managers', async (c) => {
    const body = (await readBody(c)) ?? {};
    const token = stringField(body, 'token');
    const systemId = stringField(body, 'system_id');
    if (!token) return errorResponse(400, '400 Bad request - token is missing');
    if (!systemId) return errorResponse(400, '400 Bad request - system_id is missing');
    const runner = ctx.store.runnerByToken(token);
    if (!runner) return errorResponse(403, '403 Forbidden');
    if (!runner.managers.delete(systemId))
      return errorResponse(404, '404 Runner manager not found');
    return emptyResponse(204);
  });

  api.post('/runners/reset_authentication_token', async (c) => {
    const body = (await readBody(c)) ?? {};
    const token = stringField(body, 'token');
    if (!token) return errorResponse(400, '400 Bad request - token is missing');
    const runner = ctx.store.runnerByToken(token);
    if (!runner) return errorResponse(403, '403 Forbidden');
    return jsonResponse(201, {
      token: rotateRunnerToken(ctx.store, runner),
      token_expires_at: tokenExpiry(ctx),
    });
  });
}
