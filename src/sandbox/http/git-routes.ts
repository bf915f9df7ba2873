/** Git smart HTTP at `/<namespace>/<project>.git/...`, authenticated with a running job's token. */
import type { Hono } from 'hono';
import { runGitHttpBackend } from '../git/git-http-backend.js';
import { isExecuting } from '../model/records.js';
import { textResponse } from './http-helpers.js';
import type { SandboxContext } from './sandbox-context.js';

const GIT_PATH = /^\/(.+)\.git(\/.*)?$/;

function basicCredentials(
  header: string | undefined,
): { user: string; password: string } | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function unauthorized(): Response {
  return textResponse(401, 'HTTP Basic: Access denied\n', {
    'WWW-Authenticate': 'Basic realm="GitLab"',
  });
}

function isReadOnly(method: string, rest: string, service: string | undefined): boolean {
  if (rest.endsWith('/git-receive-pack') || service === 'git-receive-pack') return false;
  return method === 'GET' || (method === 'POST' && rest === '/git-upload-pack');
}

export function registerGitRoutes(app: Hono, ctx: SandboxContext): void {
  app.on(['GET', 'POST'], '*', async (c, next) => {
    const match = GIT_PATH.exec(c.req.path);
    if (!match) {
      await next();
      return;
    }
    const projectPath = match[1] ?? '';
    const rest = match[2] ?? '/';
    const project = [...ctx.store.projects.values()].find((p) => p.path === projectPath);
    const creds = basicCredentials(c.req.header('authorization'));
    const job =
      creds?.user === 'gitlab-ci-token' ? ctx.store.jobByToken(creds.password) : undefined;
    if (!project || !job || job.projectId !== project.id || !isExecuting(job.status))
      return unauthorized();
    if (!isReadOnly(c.req.method, rest, c.req.query('service'))) {
      return textResponse(403, 'You are not allowed to push code to this project.\n');
    }
    const url = new URL(c.req.url);
    return runGitHttpBackend(
      ctx.git,
      ctx.projects.reposDir(),
      {
        method: c.req.method,
        pathInfo: `/${projectPath}.git${rest}`,
        queryString: url.search.replace(/^\?/, ''),
        headers: c.req.raw.headers,
        body: c.req.method === 'POST' ? c.req.raw.body : null,
        remoteUser: 'gitlab-ci-token',
      },
      ctx.logger,
    );
  });
}
