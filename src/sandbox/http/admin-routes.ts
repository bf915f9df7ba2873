/** `/sandbox/api/...`: JSON API for users, the CLI and tests. */
import type { Hono } from 'hono';
import { describeError, SpotrunnerError } from '../../platform/errors.js';
import type { SandboxApi } from '../sandbox-api.js';
import {
  errorResponse,
  jsonResponse,
  readBody,
  recordField,
  stringField,
  textResponse,
} from './http-helpers.js';

function idParam(value: string): number {
  return Number.parseInt(value, 10);
}

function notFound(what: string): Response {
  return errorResponse(404, `404 ${what} Not Found`);
}

export function registerAdminRoutes(app: Hono, api: SandboxApi): void {
  app.get('/sandbox/api/projects', () => jsonResponse(200, api.projects()));
  app.get('/sandbox/api/projects/:id/pipelines', (c) =>
    jsonResponse(200, api.pipelines(idParam(c.req.param('id')))),
  );
  app.post('/sandbox/api/projects/:id/pipelines', async (c) => {
    const body = (await readBody(c)) ?? {};
    const ref = stringField(body, 'ref');
    const variables = Object.fromEntries(
      Object.entries(recordField(body, 'variables')).map(([k, v]) => [k, String(v)]),
    );
    const inputs = Object.fromEntries(
      Object.entries(recordField(body, 'inputs')).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : JSON.stringify(v),
      ]),
    );
    try {
      const view = await api.createPipeline(idParam(c.req.param('id')), {
        ...(ref ? { ref } : {}),
        variables,
        ...(Object.keys(inputs).length > 0 ? { inputs } : {}),
      });
      return jsonResponse(201, view);
    } catch (err: unknown) {
      const status = err instanceof SpotrunnerError && err.code === 'not_found' ? 404 : 400;
      return errorResponse(status, describeError(err));
    }
  });
  app.get('/sandbox/api/pipelines/:id', (c) => {
    const view = api.pipeline(idParam(c.req.param('id')));
    return view ? jsonResponse(200, view) : notFound('Pipeline');
  });
  app.post('/sandbox/api/pipelines/:id/cancel', (c) => {
    const id = idParam(c.req.param('id'));
    if (!api.pipeline(id)) return notFound('Pipeline');
    api.cancelPipeline(id);
    return jsonResponse(200, api.pipeline(id));
  });
  app.get('/sandbox/api/jobs/:id', (c) => {
    const view = api.job(idParam(c.req.param('id')));
    return view ? jsonResponse(200, view) : notFound('Job');
  });
  app.post('/sandbox/api/jobs/:id/cancel', async (c) => {
    const id = idParam(c.req.param('id'));
    if (!api.job(id)) return notFound('Job');
    const body = (await readBody(c)) ?? {};
    api.cancelJob(id, { force: body.force === true || c.req.query('force') === 'true' });
    return jsonResponse(200, api.job(id));
  });
  app.get('/sandbox/api/jobs/:id/trace', (c) => {
    const plain = c.req.query('format') === 'plain';
    const text = api.trace(idParam(c.req.param('id')), { plain });
    return text === undefined
      ? notFound('Job')
      : textResponse(200, text, { 'Content-Type': 'text/plain; charset=utf-8' });
  });
  app.get('/sandbox/api/runners', () => jsonResponse(200, api.runners()));
}
