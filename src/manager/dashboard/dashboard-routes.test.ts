import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load-config.js';
import { VirtualClock } from '../../platform/clock.js';
import { MemoryLogger } from '../../platform/logger.js';
import { createHistory } from '../history/history-part.js';
import { openHistoryLog } from '../history/history-log.js';
import { bareRecordedJob } from '../../runner/testing/recorded-job.js';
import { createPriceBook } from '../live-prices.js';
import type { Manager, ManagerStatus } from '../manager.js';
import { startStatusServer, type StatusServer } from '../status-server.js';
import { fleetInstance, managerStatus } from '../testing/manager-status.js';
import {
  bundledPriceTable,
  mergePriceTables,
  type PriceTable,
} from '../../plan/prices/price-table.js';
import type { DashboardData } from './dashboard-data.js';

const RUNNER_TOKEN = 'glrt-t1_runnersecretvalue';
const DASH_TOKEN = 'dash-0123456789abcdef';
const REMOTE = { 'x-forwarded-for': '203.0.113.9' };

let dir: string;
let logs: MemoryLogger;
let server: StatusServer | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dashboard-routes-'));
  logs = new MemoryLogger();
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

function status(): ManagerStatus {
  const s = managerStatus([fleetInstance({ id: 'i-1', readyAtMs: 0, slotsInUse: 1, jobIds: [3] })]);
  const running = [{ id: 3, name: 'deploy', project: 'g/app', startedAtMs: 0 }];
  const loop = {
    runner: 'spot',
    state: 'running' as const,
    running,
    jobsReceived: 3,
    jobsFinished: 2,
  };
  return { ...s, runners: s.runners.map((r) => ({ ...r, loop: { ...loop, healthy: true } })) };
}

const manager = { state: 'running', status } as unknown as Manager;

async function start(
  spotrunnerTable: string,
  o: { prices?: () => PriceTable; records?: object[] } = {},
): Promise<{ url: string; clock: VirtualClock }> {
  const text = `listen_address = "127.0.0.1:0"
${spotrunnerTable}
[[runners]]
name = "spot"
url = "https://gitlab.example.com"
token = "${RUNNER_TOKEN}"
executor = "shell"
`;
  const { config } = parseConfig(text, join(dir, 'config.toml'), {});
  const clock = new VirtualClock(Date.UTC(2026, 11, 6, 12));
  const deps = { clock, logger: logs };
  const log = openHistoryLog({ dir: join(dir, 'history') });
  // A job recorded by a previous run: the dashboard loads it from the file.
  log.append(
    bareRecordedJob({
      name: 'old',
      receivedAtMs: clock.now() - 60_000,
      finishedAtMs: clock.now() - 30_000,
    }),
  );
  for (const r of o.records ?? []) log.append(r);
  const history = createHistory(deps, log);
  // The manager's price book (bundled ← prices_file) unless the test hands in its own feed.
  const book = await createPriceBook(deps, config.manager);
  server = await startStatusServer(deps, manager, '127.0.0.1:0', {
    history,
    dashboard: { config, history, prices: o.prices ?? (() => book.current()) },
  });
  history.recorder.jobFinished(
    bareRecordedJob({
      jobId: 2,
      name: 'new',
      receivedAtMs: clock.now() - 5_000,
      finishedAtMs: clock.now(),
      result: 'failed',
    }),
  );
  return { url: server.url, clock };
}

describe('the dashboard on the status server', () => {
  it('serves loopback clients the page and the data: recorded and new jobs, no secret', async () => {
    const { url } = await start(`[spotrunner]\ndashboard_token_file = "token"`);
    await writeFile(join(dir, 'token'), `${DASH_TOKEN}\n`);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'sha256-/);
    expect(await page.text()).not.toMatch(/(src|href)="https?:/);
    const res = await fetch(`${url}/api/dashboard?window=6h`);
    const raw = await res.text();
    const data = JSON.parse(raw) as DashboardData;
    expect(data.window).toBe('6h');
    expect(data.jobs.map((j) => [j.id, j.state])).toEqual([
      [3, 'running'],
      [2, 'finished'],
      [1, 'finished'],
    ]);
    expect(data.fleet).toHaveLength(73);
    expect(data.fleet.at(-1)?.values).toMatchObject({ busy: 1 });
    expect(raw).not.toContain(RUNNER_TOKEN);
    expect(raw).not.toContain(DASH_TOKEN);
    expect((await fetch(`${url}/api/dashboard?window=2y`)).status).toBe(400);
  });

  it('answers a remote client 401 without the token, and with it as Bearer', async () => {
    const { url } = await start(`[spotrunner]\ndashboard_token_file = "token"`);
    // The file is not there yet: remote clients are turned away, and the log says why, once.
    for (let i = 0; i < 2; i++)
      expect((await fetch(`${url}/api/dashboard`, { headers: REMOTE })).status).toBe(401);
    const noFile = /dashboard_token_file is missing, unreadable or empty/;
    expect(logs.messages('warn').filter((m) => noFile.test(m))).toHaveLength(1);
    await writeFile(join(dir, 'token'), `${DASH_TOKEN}\n`);
    for (const path of ['/', '/api/dashboard']) {
      const none = await fetch(`${url}${path}`, { headers: REMOTE });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const wrong = await fetch(`${url}${path}`, {
        headers: { ...REMOTE, authorization: `Bearer ${DASH_TOKEN}x` },
      });
      expect(wrong.status).toBe(401);
      const right = await fetch(`${url}${path}`, {
        headers: { ...REMOTE, authorization: `Bearer ${DASH_TOKEN}` },
      });
      expect(right.status).toBe(200);
    }
    const cookie = await fetch(`${url}/?token=${DASH_TOKEN}`, {
      headers: REMOTE,
      redirect: 'manual',
    });
    expect(cookie.status).toBe(303);
    expect(JSON.stringify(logs.records)).not.toContain(DASH_TOKEN);
    // /metrics and /health stay open as before.
    expect((await fetch(`${url}/metrics`, { headers: REMOTE })).status).toBe(200);
    expect((await fetch(`${url}/health`, { headers: REMOTE })).status).toBe(200);
  });

  it('turns ?token= into an HttpOnly SameSite=Strict session cookie that ends with the token', async () => {
    const { url } = await start(`[spotrunner]\ndashboard_token_file = "token"`);
    await writeFile(join(dir, 'token'), DASH_TOKEN);
    const bad = await fetch(`${url}/?token=nope`, { headers: REMOTE, redirect: 'manual' });
    expect(bad.status).toBe(401);
    const res = await fetch(`${url}/?token=${DASH_TOKEN}`, { headers: REMOTE, redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('./');
    const setCookie = res.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(DASH_TOKEN);
    const cookie = setCookie.split(';')[0]!;
    const api = (): Promise<Response> =>
      fetch(`${url}/api/dashboard`, { headers: { ...REMOTE, cookie } });
    expect((await api()).status).toBe(200);
    // The query token opens the page only; the API wants the header or the cookie.
    const query = await fetch(`${url}/api/dashboard?token=${DASH_TOKEN}`, { headers: REMOTE });
    expect(query.status).toBe(401);
    await writeFile(join(dir, 'token'), 'a-new-token');
    expect((await api()).status).toBe(401);
  });

  it('answers remote clients 401 when there is no token file, loopback still 200', async () => {
    const { url } = await start('');
    expect((await fetch(`${url}/api/dashboard`, { headers: REMOTE })).status).toBe(401);
    const empty = await fetch(`${url}/api/dashboard`, {
      headers: { ...REMOTE, authorization: 'Bearer ' },
    });
    expect(empty.status).toBe(401);
    expect((await fetch(`${url}/api/dashboard`)).status).toBe(200);
  });

  it('is not there with dashboard = false; /metrics and /status are', async () => {
    const { url } = await start(`[spotrunner]\ndashboard = false`);
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/api/dashboard`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect((await fetch(`${url}/status`)).status).toBe(200);
  });

  it('prices the money with prices_file in price_region, or with a price feed handed in', async () => {
    const noon = Date.UTC(2026, 11, 6, 12);
    // One local instance, 10:00–11:00 UTC today, its hour idle: $2 at $2/h on demand.
    const inst = {
      kind: 'instance',
      runner: 'spot',
      instanceId: 'local-1',
      instanceType: 'local',
      launchedAtMs: noon - 2 * 3600_000,
      readyAtMs: noon - 2 * 3600_000,
      removedAtMs: noon - 3600_000,
      billedS: 3600,
      bootS: 0,
      busyS: 0,
      idleS: 3600,
      interrupted: false,
      jobs: 0,
    };
    await writeFile(
      join(dir, 'prices.csv'),
      'region,instance_type,on_demand,spot,vcpu,memory_gib,arch\neu-west-1,local,2,1,2,4,amd64\n',
    );
    const money = async (
      table: string,
      prices?: () => PriceTable,
    ): Promise<DashboardData['money']> => {
      const { url } = await start(table, { records: [inst], ...(prices ? { prices } : {}) });
      const data = (await (await fetch(`${url}/api/dashboard`)).json()) as DashboardData;
      await server?.stop();
      server = undefined;
      return data.money;
    };
    const priced = await money(
      '[spotrunner]\nprices_file = "prices.csv"\nprice_region = "eu-west-1"',
    );
    expect(priced.summary).toMatchObject({ region: 'eu-west-1', prices: { live: false } });
    expect(priced.summary?.today).toMatchObject({ costUsd: 2, idleUsd: 2, instanceHours: 1 });
    // Elsewhere the type has no price: hours, no dollars, and a note that says so.
    const unpriced = await money('[spotrunner]\nprices_file = "prices.csv"');
    expect(unpriced.summary?.today).toMatchObject({ costUsd: 0, instanceHours: 1 });
    expect(unpriced.note).toMatch(/without a price/);
    // A price file that does not load: the bundled table, and the dashboard still answers.
    const missing = await money('[spotrunner]\nprices_file = "nope.csv"');
    expect(missing.summary?.prices.source).toBe(bundledPriceTable().source);
    const feed = mergePriceTables(bundledPriceTable(), {
      source: 'feed',
      regions: { 'us-east-1': { local: { onDemandPerHourUsd: 5, spotPerHourUsd: 1 } } },
      types: { local: { vcpu: 2, memoryGiB: 4, arch: 'amd64', burstable: false } },
    });
    // The manager's price book handed in: its table, live when live_prices is on.
    const live = await money('[spotrunner]\nlive_prices = true', () => feed);
    expect(live.summary).toMatchObject({ region: 'us-east-1', prices: { live: true } });
    expect(live.summary?.today.costUsd).toBe(5);
    const book = await money('', () => feed);
    expect(book.summary).toMatchObject({ prices: { live: false } });
    expect(live.summary?.today.costUsd).toBe(5);
  });
});
