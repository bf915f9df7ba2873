/**
 * Run by bench/dashboard.ts with --expose-gc, in its own process so the heap is the dashboard's
 * alone: writes a capped 35-day history (dashboard-history.ts) to argv[2], then measures the
 * history window's heap (loaded from the files, and filled live through History.subscribe), the
 * /api/dashboard request per window through the real routes (money cached, as between its 10 s
 * refreshes; with the history unchanged and with a new job before each request) and
 * summarizeMoney. Prints the figures as one JSON line.
 */
import { join } from 'node:path';
import { Hono } from 'hono';
import { parseConfig } from '../../src/config/load-config.js';
import { VirtualClock } from '../../src/platform/clock.js';
import { silentLogger } from '../../src/platform/logger.js';
import { bundledPriceTable } from '../../src/plan/prices/price-table.js';
import type { RecordedJob } from '../../src/runner/job-recorder.js';
import type { History, HistoryEvent } from '../../src/manager/history/history-part.js';
import { openHistoryLog } from '../../src/manager/history/history-log.js';
import type { RecordedInstance } from '../../src/manager/history/instance-tracker.js';
import { summarizeMoney } from '../../src/manager/history/money.js';
import { createPriceBook } from '../../src/manager/live-prices.js';
import type { Manager } from '../../src/manager/manager.js';
import { fleetInstance, managerStatus } from '../../src/manager/testing/manager-status.js';
import { createHistoryWindow } from '../../src/manager/dashboard/history-window.js';
import {
  registerDashboardRoutes,
  type ServerEnv,
} from '../../src/manager/dashboard/dashboard-routes.js';
import { generateHistory } from './dashboard-history.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const dir = process.argv[2]!;
const WINDOW_NAMES = ['1h', '6h', '24h', '7d'] as const;
const BUILDS = Number(process.argv[3] ?? 40);

function heapMb(): number {
  for (let k = 0; k < 3; k++) gc!();
  return process.memoryUsage().heapUsed / 1048576;
}

const stats = (ms: number[]): { medianMs: number; p95Ms: number } => {
  const s = [...ms].sort((a, b) => a - b);
  return { medianMs: s[Math.floor(s.length / 2)]!, p95Ms: s[Math.ceil(s.length * 0.95) - 1]! };
};

/** A History that the bench feeds by hand; the instances running now are fixed. */
function fakeHistory(
  historyDir: string,
  open: RecordedInstance[],
): History & {
  emit(e: HistoryEvent): void;
} {
  const listeners = new Set<(e: HistoryEvent) => void>();
  const emit = (e: HistoryEvent): void => {
    for (const fn of listeners) fn(e);
  };
  return {
    dir: historyDir,
    recorder: { jobFinished: emit },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    part: () => {
      throw new Error('not in the bench');
    },
    openInstances: () => open.map((i) => ({ ...i })),
    emit,
  };
}

const generated = generateHistory({ endMs: Date.UTC(2026, 11, 6, 15, 30) });
const nowMs = generated.endMs;
const historyDir = join(dir, 'history');
const log = openHistoryLog({ dir: historyDir });
for (const r of generated.records) log.append(r);
const lines = generated.records.map((r) => JSON.stringify(r));

// The fleet now: six instances, four of them running a job.
const views = Array.from({ length: 6 }, (_, k) =>
  fleetInstance({
    id: `i-live${k}`,
    instanceType: 't4g.medium',
    lifecycle: 'spot',
    launchedAtMs: nowMs - (k + 1) * 300_000,
    readyAtMs: nowMs - (k + 1) * 300_000 + 80_000,
    capacity: 1,
    slotsInUse: k < 4 ? 1 : 0,
    jobIds: k < 4 ? [90_000_000 + k] : [],
  }),
);
const base = managerStatus(views);
const running = views.slice(0, 4).map((v, k) => ({
  id: 90_000_000 + k,
  name: 'build',
  project: 'group-1/service-1',
  startedAtMs: v.readyAtMs!,
}));
const status = {
  ...base,
  runners: base.runners.map((r) => ({
    ...r,
    loop: {
      runner: r.name,
      state: 'running' as const,
      running,
      jobsReceived: 9,
      jobsFinished: 5,
      healthy: true,
    },
  })),
};
const manager = { state: 'running', status: () => status } as unknown as Manager;
const open: RecordedInstance[] = views.map((v) => ({
  kind: 'instance',
  runner: 'spot',
  instanceId: v.id,
  instanceType: 't4g.medium',
  lifecycle: 'spot',
  launchedAtMs: v.launchedAtMs!,
  readyAtMs: v.readyAtMs!,
  billedS: Math.round((nowMs - v.launchedAtMs!) / 1000),
  bootS: 80,
  busyS: 0,
  idleS: 0,
  interrupted: false,
  jobs: 0,
}));
const { config } = parseConfig(
  `listen_address = "127.0.0.1:0"
[[runners]]
name = "spot"
url = "https://gitlab.example.com"
token = "glrt-bench"
executor = "shell"
`,
  join(dir, 'config.toml'),
  {},
);
const env = { incoming: { socket: { remoteAddress: '127.0.0.1' } } };
const clock = new VirtualClock(nowMs);
const deps = { clock, logger: silentLogger };
const book = await createPriceBook(deps, config.manager);
const prices = (): ReturnType<typeof book.current> => book.current();

// Warm up the modules and the price table so the heap figures are the window's.
{
  const app = new Hono<ServerEnv>();
  const h = fakeHistory(join(dir, 'none'), open);
  const r = await registerDashboardRoutes(app, deps, manager, { config, history: h, prices });
  await app.request('/api/dashboard?window=7d', {}, env);
  r.close();
}

// 1. The window loaded from the files (the manager's start).
const heap0 = heapMb();
const history = fakeHistory(historyDir, open);
const app = new Hono<ServerEnv>();
const t0 = performance.now();
const routes = await registerDashboardRoutes(app, deps, manager, { config, history, prices });
const loadMs = performance.now() - t0;
const heapLoaded = heapMb() - heap0;

// 2. A window filled live, record by record (what 35 days of running leave).
const heap1 = heapMb();
const liveHistory = fakeHistory(join(dir, 'none'), open);
const liveWindow = createHistoryWindow({ ...deps, history: liveHistory });
await liveWindow.load();
for (const line of lines) liveHistory.emit(JSON.parse(line) as RecordedJob | RecordedInstance);
liveWindow.snapshot();
const heapLive = heapMb() - heap1;
const liveSize = liveWindow.size();
liveWindow.close();

async function request(name: string): Promise<{ ms: number; bytes: number }> {
  const t = performance.now();
  const res = await app.request(`/api/dashboard?window=${name}`, {}, env);
  const text = await res.text();
  const ms = performance.now() - t;
  if (res.status !== 200) throw new Error(`${res.status}: ${text}`);
  return { ms, bytes: text.length };
}

// 3. Builds per window: the history unchanged between requests, then a new job before each.
let nextJob = 80_000_000;
const builds: Record<string, { medianMs: number; p95Ms: number; bytes: number }> = {};
for (const changing of [false, true]) {
  for (const name of WINDOW_NAMES) {
    const ms: number[] = [];
    let bytes = 0;
    for (let k = 0; k < BUILDS + 5; k++) {
      await clock.advance(1); // stays inside the money cache's 10 s
      if (changing) {
        const at = clock.now();
        history.emit({
          ...(generated.records.findLast((r) => r.kind === 'job') as RecordedJob),
          jobId: nextJob++,
          receivedAtMs: at - 600_000,
          startedAtMs: at - 500_000,
          finishedAtMs: at,
          runs: [{ instanceId: 'i-live0', startedAtMs: at - 500_000, endedAtMs: at }],
        });
      }
      const r = await request(name);
      if (k >= 5) ms.push(r.ms);
      bytes = r.bytes;
    }
    builds[`${changing ? 'new job each' : 'unchanged'} ${name}`] = { ...stats(ms), bytes };
  }
}

// 4. Money over the whole window, as the route computes it every 10 s at most.
const snapshot = createHistoryWindow({ ...deps, history }, { dir: historyDir });
await snapshot.load();
const whole = snapshot.snapshot();
snapshot.close();
const moneyMs: number[] = [];
for (let k = 0; k < 12; k++) {
  const t = performance.now();
  summarizeMoney(whole, { nowMs: clock.now(), region: 'us-east-1', prices: bundledPriceTable() });
  if (k >= 2) moneyMs.push(performance.now() - t);
}
routes.close();

process.stdout.write(
  `${JSON.stringify({
    generatedJobs: generated.jobs,
    generatedInstances: generated.instances,
    loadedJobs: whole.jobs.length,
    loadedInstances: whole.instances.length,
    liveJobs: liveSize.jobs,
    liveInstances: liveSize.instances,
    historyBytes: lines.reduce((n, l) => n + l.length + 1, 0),
    loadMs,
    heapLoadedMb: heapLoaded,
    heapLiveMb: heapLive,
    builds,
    money: stats(moneyMs),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
