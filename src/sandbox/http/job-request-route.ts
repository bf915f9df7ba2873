/** `POST /jobs/request` with queue values, long polling and job assignment (protocol §2). */
import type { Hono } from 'hono';
import { dispatchJob } from '../model/job-dispatcher.js';
import { heartbeat } from '../model/runner-registry.js';
import {
  emptyResponse,
  errorResponse,
  faultResponse,
  jsonResponse,
  readBody,
  recordField,
  stringField,
} from './http-helpers.js';
import type { SandboxContext } from './sandbox-context.js';

const LAST_UPDATE = 'X-GitLab-Last-Update';

export function registerJobRequestRoute(api: Hono, ctx: SandboxContext): void {
  api.post('/jobs/request', async (c) => {
    const fault = ctx.faults.take('jobs/request');
    if (fault) return faultResponse(fault);
    const body = await readBody(c);
    if (!body) return errorResponse(400, '400 Bad request - body is not valid JSON');
    const token = stringField(body, 'token');
    if (!token) return errorResponse(400, '400 Bad request - token is missing');
    const runner = ctx.store.runnerByToken(token);
    if (!runner) return errorResponse(403, '403 Forbidden');
    const systemId = stringField(body, 'system_id') ?? '<legacy>';
    heartbeat(runner, systemId, body.info, ctx.clock.now());
    if (runner.paused) return emptyResponse(204, { [LAST_UPDATE]: runner.queueValue });

    const lastUpdate = stringField(body, 'last_update');
    if (
      ctx.settings.longPollMs > 0 &&
      lastUpdate !== undefined &&
      lastUpdate === runner.queueValue
    ) {
      // Workhorse: hold while nothing changes; a tick or a timeout answers 204 without the header.
      await ctx.queue.wait(ctx.clock, runner, ctx.settings.longPollMs, ctx.stopSignal);
      return emptyResponse(204, { 'Gitlab-Ci-Builds-Polling': 'yes' });
    }
    if (lastUpdate !== undefined && lastUpdate === runner.queueValue) {
      return emptyResponse(204, { [LAST_UPDATE]: runner.queueValue });
    }
    const queueValue = runner.queueValue;
    const features = recordField(recordField(body, 'info'), 'features');
    const result = dispatchJob(
      { store: ctx.store, engine: ctx.engine, nowMs: () => ctx.clock.now() },
      { runner, systemId, features, serverUrl: ctx.serverUrl() },
    );
    if (result.kind === 'none') return emptyResponse(204, { [LAST_UPDATE]: queueValue });
    ctx.logger.info({ jobId: result.job.id, runnerId: runner.id }, 'job assigned');
    if (ctx.faults.takeMalformed()) {
      result.job.notes.push('payload malformed on purpose (fault switch)');
      return jsonResponse(201, { ...result.payload, steps: 'malformed by the sandbox' });
    }
    return jsonResponse(201, result.payload);
  });
}
