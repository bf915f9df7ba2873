/**
 * The dashboard on the status server: `GET /` (the page) and `GET /api/dashboard?window=1h|6h|
 * 24h|7d` (its JSON), each behind the access rules of dashboard-access.ts. `/?token=…` with the
 * right token sets the session cookie and redirects to `/`, so the token leaves the address bar.
 */
import type { Context, Hono } from 'hono';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { PriceTable } from '../../plan/prices/price-table.js';
import type { History } from '../history/history-part.js';
import type { RecordedHistory } from '../history/read-history.js';
import type { Manager } from '../manager.js';
import type { CompiledConfig } from '../../config/types.js';
import {
  decideAccess,
  SESSION_COOKIE,
  SESSION_MS,
  type AccessDecision,
} from './dashboard-access.js';
import { buildDashboard, isWindowName } from './dashboard-data.js';
import { moneyPricing, windowMoney, type DashboardMoney } from './dashboard-money.js';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard-page.js';
import { createHistoryWindow, type HistoryWindowOptions } from './history-window.js';

export type ServerEnv = { Bindings: { incoming: { socket: { remoteAddress?: string } } } };

export interface DashboardOptions {
  config: CompiledConfig;
  history: History;
  /** The manager's price book (live-prices.ts): bundled ← prices_file ← live spot prices. */
  prices: () => PriceTable;
  window?: Omit<HistoryWindowOptions, 'dir'>;
}

export interface DashboardRoutes {
  /** Stops following the history. */
  close(): void;
}

function access(
  c: Context<ServerEnv>,
  tokenFile: string | undefined,
  nowMs: number,
  page: boolean,
): Promise<AccessDecision> {
  const query = page ? c.req.query('token') : undefined;
  return decideAccess(
    {
      remoteAddress: c.env.incoming.socket.remoteAddress,
      header: (name) => c.req.header(name),
      ...(query !== undefined ? { queryToken: query } : {}),
    },
    tokenFile,
    nowMs,
  );
}

function denied(c: Context<ServerEnv>, d: Extract<AccessDecision, { allowed: false }>): Response {
  c.header('WWW-Authenticate', 'Bearer realm="spotrunner dashboard"');
  c.header('Cache-Control', 'no-store');
  return c.json({ message: `unauthorized: ${d.reason}` }, 401);
}

/** Registers `/` and `/api/dashboard` when the dashboard is on; loads the history window. */
export async function registerDashboardRoutes(
  app: Hono<ServerEnv>,
  deps: { clock: Clock; logger: Logger },
  manager: Pick<Manager, 'status'>,
  o: DashboardOptions,
): Promise<DashboardRoutes> {
  const log = deps.logger.child({ component: 'dashboard' });
  const window = createHistoryWindow(
    { ...deps, logger: log, history: o.history },
    { ...o.window, dir: o.history.dir },
  );
  await window.load();
  const moneyOf = windowMoney({ logger: log }, moneyPricing(o.config, o.prices));
  // Money walks the whole window: computed at most every 10 s, however many pages are open.
  let cached: { atMs: number; money: DashboardMoney } | undefined;
  const money = (history: RecordedHistory, nowMs: number): DashboardMoney => {
    if (!cached || nowMs - cached.atMs >= 10_000 || nowMs < cached.atMs)
      cached = { atMs: nowMs, money: moneyOf(history, nowMs) };
    return cached.money;
  };
  const tokenFile = o.config.manager.dashboardTokenFile;
  // A remote client turned away because the configured token file cannot be read: said once
  // until a token is read again (never the token or the file's content).
  let warnedNoToken = false;
  const checked = (d: AccessDecision): AccessDecision => {
    if (tokenFile === undefined || d.allowed || d.via !== 'no-token') {
      if (d.allowed && d.via !== 'loopback') warnedNoToken = false;
      return d;
    }
    if (!warnedNoToken) {
      warnedNoToken = true;
      log.warn(
        { file: tokenFile },
        'dashboard_token_file is missing, unreadable or empty: remote clients get 401',
      );
    }
    return d;
  };

  app.get('/', async (c) => {
    const d = checked(await access(c, tokenFile, deps.clock.now(), true));
    if (!d.allowed) return denied(c, d);
    if (d.via === 'query') {
      c.header(
        'Set-Cookie',
        `${SESSION_COOKIE}=${d.setCookie}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}`,
      );
      c.header('Cache-Control', 'no-store');
      return c.redirect('./', 303);
    }
    c.header('Content-Security-Policy', DASHBOARD_CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
    return c.html(DASHBOARD_HTML);
  });

  app.get('/api/dashboard', async (c) => {
    const d = checked(await access(c, tokenFile, deps.clock.now(), false));
    if (!d.allowed) return denied(c, d);
    const name = c.req.query('window') ?? '1h';
    if (!isWindowName(name))
      return c.json({ message: `window "${name}" is not one of 1h, 6h, 24h, 7d` }, 400);
    c.header('Cache-Control', 'no-store');
    return c.json(
      buildDashboard({
        nowMs: deps.clock.now(),
        window: name,
        status: manager.status(),
        history: window.snapshot(),
        money,
      }),
    );
  });
  return { close: () => window.close() };
}
