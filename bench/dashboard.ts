/**
 * The dashboard's cost in the manager, on a history window at its caps (50,000 jobs, 20,000
 * instances over 35 days; bench/support/dashboard-history.ts), measured in a child process run
 * with --expose-gc so the heap figures are the window's alone: the window's heap (loaded from
 * the files, and filled live), `/api/dashboard` per window through the real routes (median and
 * p95; history unchanged, and a new job before each request), summarizeMoney, and what one
 * open page costs (a request every 5 s, money every 10 s at most).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchResult } from './bench-types.js';

const BUILD_TARGET_MS = 50;
const MONEY_TARGET_MS = 100;
const HEAP_TARGET_MB = 40;
const PAGE_REFRESH_S = 5;
const MONEY_EVERY_S = 10;

interface Stat {
  medianMs: number;
  p95Ms: number;
}

interface ChildFigures {
  loadedJobs: number;
  loadedInstances: number;
  historyBytes: number;
  loadMs: number;
  heapLoadedMb: number;
  heapLiveMb: number;
  builds: Record<string, Stat & { bytes: number }>;
  money: Stat;
  peakRssMb: number;
}

const ms = (s: Stat): string => `${s.medianMs.toFixed(1)} / ${s.p95Ms.toFixed(1)}`;

export async function benchDashboard(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-dashboard-'));
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', join(here, 'support', 'dashboard-child.ts'), dir],
      { maxBuffer: 1 << 20, cwd: join(here, '..') },
    );
    const f = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildFigures;
    const builds = Object.entries(f.builds);
    const worst = Math.max(...builds.map(([, s]) => s.medianMs));
    const heap = Math.max(f.heapLoadedMb, f.heapLiveMb);
    const page = (name: string): number =>
      f.builds[`unchanged ${name}`]!.medianMs / PAGE_REFRESH_S + f.money.medianMs / MONEY_EVERY_S;
    const figures: Record<string, number | string> = {
      'window jobs / instances': `${f.loadedJobs} / ${f.loadedInstances}`,
      'history files MB': Number((f.historyBytes / 1048576).toFixed(1)),
      'window heap MB (loaded from files)': Number(f.heapLoadedMb.toFixed(1)),
      'window heap MB (filled live)': Number(f.heapLiveMb.toFixed(1)),
      'heap ratio to target': Number((heap / HEAP_TARGET_MB).toFixed(2)),
      'window load ms (start)': Math.round(f.loadMs),
    };
    for (const [name, s] of builds) {
      figures[`build ms ${name} (median / p95)`] = ms(s);
    }
    figures['payload KB 1h / 7d'] =
      `${Math.round(f.builds['unchanged 1h']!.bytes / 1024)} / ${Math.round(f.builds['unchanged 7d']!.bytes / 1024)}`;
    figures['worst build median ratio to target'] = Number((worst / BUILD_TARGET_MS).toFixed(2));
    figures['summarizeMoney ms (median / p95)'] = ms(f.money);
    figures['money ratio to target'] = Number((f.money.medianMs / MONEY_TARGET_MS).toFixed(2));
    figures['one open page: requests / s'] = Number((1 / PAGE_REFRESH_S).toFixed(3));
    figures['one open page: cpu ms / s (1h)'] = Number(page('1h').toFixed(2));
    figures['one open page: cpu ms / s (7d)'] = Number(page('7d').toFixed(2));
    figures['machine load average (1 min)'] = Number(loadavg()[0]!.toFixed(1));
    figures['peak rss MB (child, incl. generating)'] = Math.round(f.peakRssMb);
    return {
      name: `dashboard on a full window: ${f.loadedJobs.toLocaleString('en-US')} jobs, 35 days`,
      target: `build < ${BUILD_TARGET_MS} ms (median, every window), summarizeMoney < ${MONEY_TARGET_MS} ms, window heap < ${HEAP_TARGET_MB} MB`,
      ok: worst < BUILD_TARGET_MS && f.money.medianMs < MONEY_TARGET_MS && heap < HEAP_TARGET_MB,
      figures,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
