/**
 * An in-test HTTP double of the parts of GitLab's REST API the history import uses, following
 * the documented shapes: `GET /api/v4/projects/:id`, `GET /api/v4/projects/:id/jobs` (newest
 * first, `scope[]`, `per_page`, `page`, `X-Next-Page`/`X-Page` headers, or `Link: rel="next"`
 * with `linkPagination`), `GET /api/v4/groups/:id/projects`. Live GitLab is not reachable here.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DoubleProject {
  id: number;
  path: string;
  jobs: Record<string, unknown>[];
}

export interface GitlabDouble {
  url: string;
  requests: string[];
  projects: DoubleProject[];
  /** Answer the next N job-list requests with 429 and this Retry-After. */
  throttle(times: number, retryAfter: string): void;
  linkPagination: boolean;
  close(): Promise<void>;
}

export function gitlabJobJson(
  id: number,
  createdAt: string,
  durationS: number,
  status = 'success',
): Record<string, unknown> {
  const created = Date.parse(createdAt);
  const started = new Date(created + 5000).toISOString();
  const finished = new Date(created + 5000 + durationS * 1000).toISOString();
  return {
    id,
    status,
    stage: 'test',
    name: `job-${id}`,
    ref: 'main',
    created_at: createdAt,
    started_at: started,
    finished_at: finished,
    duration: durationS,
    queued_duration: 5,
    tag_list: ['docker'],
    pipeline: { id: 1000 + id, project_id: 1, status },
    web_url: `https://gitlab.example.com/jobs/${id}`,
    user: { id: 1, username: 'dev' },
  };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startGitlabDouble(
  token: string,
  projects: DoubleProject[],
): Promise<GitlabDouble> {
  const state = { throttles: 0, retryAfter: '1' };
  const requests: string[] = [];
  let base = '';
  const double: GitlabDouble = {
    url: '',
    requests,
    projects,
    linkPagination: false,
    throttle(times, retryAfter) {
      state.throttles = times;
      state.retryAfter = retryAfter;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const findProject = (key: string): DoubleProject | undefined =>
    projects.find((p) => String(p.id) === key || p.path === key);

  function page(req: IncomingMessage, res: ServerResponse, url: URL, items: unknown[]): void {
    const perPage = Number(url.searchParams.get('per_page') ?? 20);
    const pageNo = Number(url.searchParams.get('page') ?? 1);
    const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    const more = pageNo * perPage < items.length;
    const headers: Record<string, string> = {
      'x-page': String(pageNo),
      'x-per-page': String(perPage),
    };
    if (more && double.linkPagination) {
      const next = new URL(`${url.pathname}${url.search}`, base);
      next.searchParams.set('page', String(pageNo + 1));
      headers['link'] = `<${next.toString()}>; rel="next"`;
    } else headers['x-next-page'] = more ? String(pageNo + 1) : '';
    send(res, 200, slice, headers);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://double');
    requests.push(`${url.pathname}${url.search}`);
    if (req.headers['private-token'] !== token)
      return send(res, 401, { message: '401 Unauthorized' });
    const parts = url.pathname
      .replace(/^\/api\/v4\//, '')
      .split('/')
      .map(decodeURIComponent);
    if (parts[0] === 'groups' && parts[2] === 'projects') {
      return page(
        req,
        res,
        url,
        projects.map((p) => ({ id: p.id, path_with_namespace: p.path })),
      );
    }
    const project = parts[0] === 'projects' ? findProject(parts[1] ?? '') : undefined;
    if (!project) return send(res, 404, { message: '404 Project Not Found' });
    if (parts.length === 2)
      return send(res, 200, { id: project.id, path_with_namespace: project.path });
    if (parts[2] !== 'jobs') return send(res, 404, { message: '404 Not Found' });
    if (state.throttles > 0) {
      state.throttles--;
      return send(res, 429, { message: 'Retry later' }, { 'retry-after': state.retryAfter });
    }
    const scopes = url.searchParams.getAll('scope[]');
    const jobs = project.jobs
      .filter((j) => scopes.length === 0 || scopes.includes(String(j['status'])))
      .sort((a, b) => Number(b['id']) - Number(a['id']));
    page(req, res, url, jobs);
  }

  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  double.url = base;
  return double;
}
