/** HTTP client of `/sandbox/api`, for CLI commands that talk to a running sandbox. */
import { SpotrunnerError } from '../platform/errors.js';
import type { CreatePipelineOptions } from './project-service.js';
import type { JobView, PipelineView, ProjectView, RunnerView } from './sandbox-views.js';

export interface SandboxClient {
  projects(): Promise<ProjectView[]>;
  pipelines(projectId: number): Promise<PipelineView[]>;
  createPipeline(projectId: number, options?: CreatePipelineOptions): Promise<PipelineView>;
  pipeline(id: number): Promise<PipelineView>;
  cancelPipeline(id: number): Promise<PipelineView>;
  job(id: number): Promise<JobView>;
  cancelJob(id: number, options?: { force?: boolean }): Promise<JobView>;
  trace(id: number, options?: { plain?: boolean }): Promise<string>;
  runners(): Promise<RunnerView[]>;
}

export interface SandboxClientDeps {
  fetch?: typeof fetch;
}

/** What went wrong under fetch's "fetch failed": ECONNREFUSED, ENOTFOUND, a bad URL, … */
function transportReason(err: unknown): string {
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? code : cause.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** An error body (maybe an HTML page) as one short line. */
function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

export function createSandboxClient(baseUrl: string, deps: SandboxClientDeps = {}): SandboxClient {
  const doFetch = deps.fetch ?? fetch;
  const root = `${baseUrl.replace(/\/+$/, '')}/sandbox/api`;
  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(`${root}${path}`, init);
    } catch (err: unknown) {
      throw new SpotrunnerError(
        'gitlab_transport',
        `cannot reach the sandbox at ${baseUrl} (${transportReason(err)}); is \`spotrunner sandbox --keep\` running there?`,
        { cause: err, retryable: true },
      );
    }
    if (res.ok) return res;
    const text = await res.text();
    let message = text;
    try {
      const parsed = (JSON.parse(text) as { message?: unknown }).message;
      message = typeof parsed === 'string' ? parsed : JSON.stringify(parsed ?? text);
    } catch {
      // not JSON: keep the text
    }
    // 404: no such project, pipeline or job; other 4xx: a request the sandbox refused.
    const code = res.status === 404 ? 'not_found' : res.status < 500 ? 'usage' : 'gitlab_http';
    throw new SpotrunnerError(code, `sandbox ${path}: ${oneLine(message)}`);
  }
  const json = async <T>(path: string, res: Response): Promise<T> => {
    try {
      return (await res.json()) as T;
    } catch (err: unknown) {
      throw new SpotrunnerError(
        'gitlab_payload',
        `${baseUrl} answered ${path} with something other than JSON; is it a spotrunner sandbox?`,
        { cause: err },
      );
    }
  };
  const get = async <T>(path: string): Promise<T> => json<T>(path, await call(path));
  const post = async <T>(path: string, body: unknown = {}): Promise<T> =>
    json<T>(
      path,
      await call(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
  return {
    projects: () => get('/projects'),
    pipelines: (projectId) => get(`/projects/${projectId}/pipelines`),
    createPipeline: (projectId, options = {}) => post(`/projects/${projectId}/pipelines`, options),
    pipeline: (id) => get(`/pipelines/${id}`),
    cancelPipeline: (id) => post(`/pipelines/${id}/cancel`),
    job: (id) => get(`/jobs/${id}`),
    cancelJob: (id, options = {}) => post(`/jobs/${id}/cancel`, { force: options.force === true }),
    trace: async (id, options = {}) =>
      (await call(`/jobs/${id}/trace${options.plain ? '?format=plain' : ''}`)).text(),
    runners: () => get('/runners'),
  };
}
