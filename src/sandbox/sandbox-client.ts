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

export function createSandboxClient(baseUrl: string, deps: SandboxClientDeps = {}): SandboxClient {
  const doFetch = deps.fetch ?? fetch;
  const root = `${baseUrl.replace(/\/+$/, '')}/sandbox/api`;
  async function call(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(`${root}${path}`, init);
    } catch (err: unknown) {
      throw new SpotrunnerError('gitlab_transport', `cannot reach the sandbox at ${baseUrl}`, {
        cause: err,
        retryable: true,
      });
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
    throw new SpotrunnerError(
      res.status === 404 ? 'not_found' : 'gitlab_http',
      `sandbox ${path}: ${message}`,
    );
  }
  const get = async <T>(path: string): Promise<T> => (await (await call(path)).json()) as T;
  const post = async <T>(path: string, body: unknown = {}): Promise<T> =>
    (await (
      await call(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).json()) as T;
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
