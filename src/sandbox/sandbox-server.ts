/**
 * The embedded GitLab-compatible server: runner API (`/api/v4`), git smart HTTP, and the
 * `/sandbox/api` JSON API, over one in-memory store with repositories and artifacts on disk.
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import type { Clock } from '../platform/clock.js';
import { SpotrunnerError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { registerAdminRoutes } from './http/admin-routes.js';
import { registerArtifactRoutes } from './http/artifact-routes.js';
import { FaultState } from './http/fault-switches.js';
import { registerGitRoutes } from './http/git-routes.js';
import { errorResponse } from './http/http-helpers.js';
import { registerJobRequestRoute } from './http/job-request-route.js';
import { registerJobUpdateRoute } from './http/job-update-route.js';
import { registerRunnerRoutes } from './http/runner-routes.js';
import type { SandboxContext } from './http/sandbox-context.js';
import { registerTraceRoute } from './http/trace-route.js';
import { ArtifactStore } from './model/artifact-store.js';
import { RunnerQueue } from './model/runner-queue.js';
import { SandboxEngine } from './model/sandbox-engine.js';
import { SandboxStore } from './model/sandbox-store.js';
import { newRegistrationToken } from './model/tokens.js';
import { ProjectService } from './project-service.js';
import { createSandboxApi, type SandboxApi } from './sandbox-api.js';
import { compileSandboxOptions, type SandboxServerOptions } from './sandbox-options.js';

export interface SandboxServerDeps {
  clock: Clock;
  logger: Logger;
}

export interface SandboxServer extends SandboxApi {
  /**
   * Listens; resolves with the base URL runners use (`externalUrl`, else the listening URL)
   * and the URL it really listens on (for a proxy placed in front of it).
   */
  start(): Promise<{ url: string; listenUrl: string }>;
  /** Releases long polls, cancels timers and closes the listener. */
  stop(): Promise<void>;
  /** The base URL runners use; undefined before start unless `externalUrl` was given. */
  readonly url: string | undefined;
  /** The Hono app, for in-process requests (`app.request(...)`). */
  readonly app: Hono;
}

function buildApp(ctx: SandboxContext, api: SandboxApi): Hono {
  const app = new Hono();
  app.use('*', async (c, next) => {
    const requestId = c.req.header('x-request-id') ?? randomUUID().replace(/-/g, '');
    await next();
    c.res.headers.set('X-Request-Id', requestId);
  });
  const runnerApi = new Hono();
  registerRunnerRoutes(runnerApi, ctx);
  registerJobRequestRoute(runnerApi, ctx);
  registerJobUpdateRoute(runnerApi, ctx);
  registerTraceRoute(runnerApi, ctx);
  registerArtifactRoutes(runnerApi, ctx);
  app.route('/api/v4', runnerApi);
  registerAdminRoutes(app, api);
  registerGitRoutes(app, ctx);
  app.notFound(() => errorResponse(404, '404 Not Found'));
  app.onError((err) => {
    ctx.logger.error({ err: err.message, stack: err.stack }, 'sandbox request failed');
    return errorResponse(500, '500 Internal Server Error');
  });
  return app;
}

export function createSandboxServer(
  deps: SandboxServerDeps,
  options: SandboxServerOptions,
): SandboxServer {
  const logger = deps.logger.child({ component: 'sandbox' });
  const settings = compileSandboxOptions(options, newRegistrationToken());
  const store = new SandboxStore();
  const queue = new RunnerQueue();
  const engine = new SandboxEngine({ clock: deps.clock, logger, store, queue, settings });
  const git = { path: settings.gitPath, home: settings.dataDir };
  const stopController = new AbortController();
  let listenUrl: string | undefined;
  let server: Server | undefined;
  const ctx: SandboxContext = {
    clock: deps.clock,
    logger,
    store,
    engine,
    queue,
    settings,
    faults: new FaultState(),
    artifacts: new ArtifactStore(join(settings.dataDir, 'artifacts')),
    projects: new ProjectService({ clock: deps.clock, logger, store, engine, settings, git }),
    git,
    serverUrl: () => {
      const url = settings.externalUrl ?? listenUrl;
      if (!url) throw new SpotrunnerError('state', 'the sandbox server has not been started');
      return url;
    },
    stopSignal: stopController.signal,
  };
  const api = createSandboxApi(ctx);
  const app = buildApp(ctx, api);

  async function start(): Promise<{ url: string; listenUrl: string }> {
    await mkdir(settings.dataDir, { recursive: true });
    const created = createAdaptorServer({ fetch: app.fetch, hostname: settings.host }) as Server;
    await new Promise<void>((resolve, reject) => {
      created.once('error', reject);
      created.listen(settings.port, settings.host, () => resolve());
    });
    server = created;
    const address = created.address() as AddressInfo;
    const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
    listenUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
    logger.info({ url: listenUrl }, 'sandbox listening');
    return { url: settings.externalUrl ?? listenUrl, listenUrl };
  }

  async function stop(): Promise<void> {
    stopController.abort();
    queue.releaseAll();
    engine.stop();
    const current = server;
    server = undefined;
    if (!current) return;
    await new Promise<void>((resolve) => {
      current.close(() => resolve());
      current.closeAllConnections();
    });
    logger.info({}, 'sandbox stopped');
  }

  return {
    ...api,
    start,
    stop,
    app,
    get url(): string | undefined {
      return settings.externalUrl ?? listenUrl;
    },
  };
}
