/**
 * The manager's HTTP surface on `listen_address`: `/metrics` (Prometheus), `/status` (fleet and
 * jobs as JSON, never a secret), `/health` (200 when the manager and every runner are healthy,
 * else 503 with the reasons: health.ts), `/livez` (200 while the process serves HTTP),
 * `POST /fleet/drain/:id` for operators (accepted from loopback only), and the dashboard at
 * `/` (dashboard/, unless `dashboard = false`). `spotrunner fleet ls|drain` talk to it.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { Gauge, Registry } from 'prom-client';
import { SystemClock, type Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { ApiCallCounts } from '../platform/api-call-counts.js';
import { registerApiCallMetrics } from './api-call-metrics.js';
import { isLoopback } from './dashboard/dashboard-access.js';
import {
  registerDashboardRoutes,
  type DashboardOptions,
  type DashboardRoutes,
  type ServerEnv,
} from './dashboard/dashboard-routes.js';
import type { History } from './history/history-part.js';
import { registerHistoryMetrics } from './history/history-metrics.js';
import type { Manager } from './manager.js';
import { assessHealth, DEFAULT_GITLAB_UNREACHABLE_MS } from './health.js';

export interface StatusServer {
  url: string;
  stop(): Promise<void>;
}

/** `:9252` → 0.0.0.0:9252; `127.0.0.1:9252`; `[::1]:9252`. */
export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  if (!m) throw new Error(`listen_address "${address}" is not host:port`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}

function metricsFor(
  manager: Manager,
  o: StatusServerOptions,
): { registry: Registry; close: () => void } {
  const registry = new Registry();
  const close = registerHistoryMetrics(registry, {
    status: () => manager.status(),
    ...o,
  });
  if (o.apiCalls) registerApiCallMetrics(registry, o.apiCalls);
  const gauge = (name: string, help: string, labels: string[], fn: (g: Gauge) => void): void => {
    new Gauge({
      name,
      help,
      labelNames: labels,
      registers: [registry],
      collect(this: Gauge) {
        fn(this);
      },
    });
  };
  gauge('spotrunner_jobs_running', 'Jobs running now', [], (g) =>
    g.set(manager.status().jobsRunning),
  );
  gauge('spotrunner_concurrent_limit', 'Global concurrent limit', [], (g) =>
    g.set(manager.status().concurrent),
  );
  gauge('spotrunner_instances', 'Instances by runner and status', ['runner', 'status'], (g) => {
    g.reset();
    for (const r of manager.status().runners) {
      const counts = new Map<string, number>();
      for (const i of r.fleet?.instances ?? [])
        counts.set(i.status, (counts.get(i.status) ?? 0) + 1);
      for (const [status, n] of counts) g.set({ runner: r.name, status }, n);
    }
  });
  gauge('spotrunner_slots', 'Slots by runner and kind', ['runner', 'kind'], (g) => {
    g.reset();
    for (const r of manager.status().runners) {
      if (!r.fleet) continue;
      g.set({ runner: r.name, kind: 'acquired' }, r.fleet.acquired);
      g.set({ runner: r.name, kind: 'reserved' }, r.fleet.reserved);
      g.set({ runner: r.name, kind: 'pending' }, r.fleet.pending);
    }
  });
  gauge(
    'spotrunner_fleet_events_total',
    'Fleet events since start by runner (instances requested, granted, lost, ready-up failures, start timeouts, acquire timeouts, removals issued)',
    ['runner', 'event'],
    (g) => {
      g.reset();
      for (const r of manager.status().runners) {
        for (const [event, n] of Object.entries(r.fleet?.counters ?? {}))
          g.set({ runner: r.name, event }, n);
      }
    },
  );
  gauge('spotrunner_jobs_total', 'Jobs received by runner', ['runner'], (g) => {
    for (const r of manager.status().runners) g.set({ runner: r.name }, r.loop?.jobsReceived ?? 0);
  });
  return { registry, close };
}

export interface StatusServerOptions {
  /** Job and instance history for the duration histograms (history/history-metrics.ts). */
  history?: History;
  systemId?: string;
  /** Calls, retries and errors of the manager's AWS clients (api-call-metrics.ts). */
  apiCalls?: ApiCallCounts;
  /** The dashboard at `/`; off when absent or `config.manager.dashboard` is false. */
  dashboard?: DashboardOptions;
  /** `/health` is 503 once a runner's job requests go unanswered this long (default 5 min). */
  gitlabUnreachableMs?: number;
}

export async function startStatusServer(
  deps: { logger: Logger; clock?: Clock },
  manager: Manager,
  listenAddress: string,
  options: StatusServerOptions = {},
): Promise<StatusServer> {
  const { host, port } = parseListenAddress(listenAddress);
  const { registry, close } = metricsFor(manager, options);
  const app = new Hono<ServerEnv>();
  const clock = deps.clock ?? new SystemClock();
  const healthOptions = {
    gitlabUnreachableMs: options.gitlabUnreachableMs ?? DEFAULT_GITLAB_UNREACHABLE_MS,
  };
  app.get('/health', (c) => {
    const health = assessHealth(manager.status(), clock.now(), healthOptions);
    if (health.ok) return c.json({ ok: true, state: health.state });
    const body = { ok: false, state: health.state, reason: health.reasons.join('; ') };
    return c.json({ ...body, reasons: health.reasons }, 503);
  });
  app.get('/livez', (c) => c.json({ alive: true, state: manager.state }));
  // `nowMs`: the manager's clock, so that `fleet ls` computes ages and idle times against it.
  app.get('/status', (c) =>
    c.json({ ...manager.status(), ...(deps.clock ? { nowMs: deps.clock.now() } : {}) }),
  );
  app.get('/metrics', async (c) =>
    c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }),
  );
  app.post('/fleet/drain/:id', (c) => {
    if (!isLoopback(c.env.incoming.socket.remoteAddress))
      return c.json({ message: 'drain is accepted from loopback only' }, 403);
    const id = c.req.param('id');
    const ok = manager.drain(id, 'drained by operator');
    return ok ? c.json({ drained: id }) : c.json({ message: `no instance ${id}` }, 404);
  });
  let dashboard: DashboardRoutes | undefined;
  if (options.dashboard?.config.manager.dashboard && deps.clock)
    dashboard = await registerDashboardRoutes(
      app,
      { clock: deps.clock, logger: deps.logger },
      manager,
      options.dashboard,
    );
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s));
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${boundPort}`;
  deps.logger.info({ url }, 'status server listening');
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        close();
        dashboard?.close();
        server.close(() => resolve());
      }),
  };
}
