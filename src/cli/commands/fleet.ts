/**
 * `spotrunner fleet ls` and `spotrunner fleet drain ID`: talk to a running manager's status
 * server (`listen_address` in config.toml, or `--manager URL`). `ls` lists the instances of every
 * runner — state, type, lifecycle, age, idle time, use count, running jobs and the cost so far
 * at the bundled price table's hourly rate; `drain` stops handing out an instance and lets the
 * manager remove it once its jobs are done.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import type { FleetInstanceView, FleetStatus } from '../../fleet/fleet.js';
import { SystemClock, type Clock } from '../../platform/clock.js';
import { formatDurationMs } from '../../platform/durations.js';
import { UserError, describeError } from '../../platform/errors.js';
import {
  bundledPriceTable,
  lookupInstancePrice,
  type PriceTable,
} from '../../plan/prices/price-table.js';
import { println, type CliContext } from '../cli-context.js';

interface ManagerOptions {
  config?: string;
  manager?: string;
}

/** The manager status as `/status` serves it (the parts `ls` reads). */
export interface StatusDocument {
  nowMs?: number;
  runners: readonly { name: string; state: string; fleet?: FleetStatus }[];
}

export interface FleetRow {
  runner: string;
  id: string;
  state: string;
  instanceType?: string;
  lifecycle?: string;
  ageMs?: number;
  idleMs?: number;
  useCount: number;
  jobIds: readonly number[];
  pricePerHourUsd?: number;
  costSoFarUsd?: number;
  interruption?: string;
}

/** `:9252` → `http://127.0.0.1:9252`; `0.0.0.0:…`/`[::]:…` → loopback; `[::1]:…` kept. */
export function statusUrlFromListenAddress(address: string): string {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  if (!m) throw new UserError(`listen_address "${address}" is not host:port`);
  const host = m[1] ?? m[2] ?? '';
  const local = host === '' || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${m[3]}`;
}

async function managerUrl(ctx: CliContext, opts: ManagerOptions): Promise<string> {
  if (opts.manager) return opts.manager.replace(/\/+$/, '');
  if (!opts.config) throw new UserError('say which manager: --config FILE or --manager URL');
  const { config } = await loadConfig(resolve(ctx.cwd, opts.config), { env: ctx.env });
  if (!config.listenAddress) {
    throw new UserError(
      `${opts.config} has no listen_address: the manager serves no status API (add listen_address = ":9252")`,
    );
  }
  return statusUrlFromListenAddress(config.listenAddress);
}

async function call(clock: Clock, url: string, init: RequestInit = {}): Promise<Response> {
  const controller = new AbortController();
  const cancel = clock.schedule(10_000, () => controller.abort(new Error('timed out after 10s')));
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } catch (err: unknown) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
    throw new UserError(
      `no spotrunner manager answers at ${new URL(url).origin} (${cause || describeError(err)}); is \`spotrunner run\` running with that listen_address?`,
    );
  } finally {
    cancel();
  }
}

function priceOf(table: PriceTable, providerId: string, i: FleetInstanceView): number | undefined {
  const region = /(?:^|\+fallback:)aws\/([^/]+)\//.exec(providerId)?.[1];
  if (!region || !i.instanceType) return undefined;
  try {
    const p = lookupInstancePrice(table, i.instanceType, region);
    return i.lifecycle === 'spot' ? p.spotPerHourUsd : p.onDemandPerHourUsd;
  } catch {
    return undefined; // a type or region the bundled table does not know: no price shown
  }
}

/** Rows for every instance of every runner, ages and costs as of `nowMs`. */
export function fleetRows(status: StatusDocument, nowMs: number, table: PriceTable): FleetRow[] {
  return status.runners.flatMap((r) =>
    (r.fleet?.instances ?? []).map((i) => {
      const ageMs = i.launchedAtMs === undefined ? undefined : Math.max(0, nowMs - i.launchedAtMs);
      const idle = i.slotsInUse === 0 && i.idleSinceMs !== undefined;
      const price = priceOf(table, r.fleet!.providerId, i);
      return {
        runner: r.name,
        id: i.id,
        state: i.status,
        ...(i.instanceType ? { instanceType: i.instanceType } : {}),
        ...(i.lifecycle ? { lifecycle: i.lifecycle } : {}),
        ...(ageMs === undefined ? {} : { ageMs }),
        ...(idle ? { idleMs: Math.max(0, nowMs - i.idleSinceMs!) } : {}),
        useCount: i.useCount,
        jobIds: i.jobIds,
        ...(price === undefined ? {} : { pricePerHourUsd: price }),
        ...(price !== undefined && ageMs !== undefined
          ? { costSoFarUsd: Math.round(price * (ageMs / 3_600_000) * 10_000) / 10_000 }
          : {}),
        ...(i.interruption ? { interruption: i.interruption.kind } : {}),
      };
    }),
  );
}

/** One line per runner still waiting for instances it asked its provider for. */
export function requestedLines(status: StatusDocument, nowMs: number): string[] {
  return status.runners.flatMap((r) => {
    const req = r.fleet?.requested;
    if (!req || req.count === 0) return [];
    const waited = formatDurationMs(Math.max(0, Math.round((nowMs - req.sinceMs) / 1000)) * 1000);
    return [
      `${r.name}: ${req.count} requested instance(s) not listed yet (oldest asked for ${waited} ago)`,
    ];
  });
}

const dur = (ms: number | undefined): string =>
  ms === undefined ? '-' : formatDurationMs(Math.round(ms / 1000) * 1000);

/** The text table of `fleet ls`. */
export function formatFleetTable(rows: readonly FleetRow[]): string {
  const head = [
    'RUNNER',
    'INSTANCE',
    'STATE',
    'TYPE',
    'LIFECYCLE',
    'AGE',
    'IDLE',
    'USES',
    'JOBS',
    'COST',
  ];
  const body = rows.map((r) => [
    r.runner,
    r.id,
    r.interruption ? `${r.state} (${r.interruption})` : r.state,
    r.instanceType ?? '-',
    r.lifecycle ?? '-',
    dur(r.ageMs),
    dur(r.idleMs),
    String(r.useCount),
    r.jobIds.length > 0 ? r.jobIds.join(',') : '-',
    r.costSoFarUsd === undefined ? '-' : `$${r.costSoFarUsd.toFixed(4)}`,
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, k) => c.padEnd(widths[k]!))
      .join('  ')
      .trimEnd();
  const total = rows.reduce((n, r) => n + (r.costSoFarUsd ?? 0), 0);
  return [
    line(head),
    ...body.map(line),
    `${rows.length} instance(s), cost so far $${total.toFixed(4)} at bundled ${bundledPriceTable().asOf} prices`,
  ].join('\n');
}

export function registerFleetCommand(program: Command, ctx: CliContext): void {
  const clock = new SystemClock();
  const fleet = program
    .command('fleet')
    .description("look at and steer a running manager's instances");
  fleet
    .command('ls')
    .description('list the instances of every runner, with state, age, idle time, jobs and cost')
    .option('-c, --config <file>', 'config.toml of the manager (its listen_address)')
    .option('--manager <url>', 'status URL of the manager, e.g. http://127.0.0.1:9252')
    .option('--json', 'print JSON rows')
    .action(async (opts: ManagerOptions & { json?: boolean }) => {
      const base = await managerUrl(ctx, opts);
      const res = await call(clock, `${base}/status`);
      if (!res.ok) throw new UserError(`${base}/status answered HTTP ${res.status}`);
      const status = (await res.json()) as StatusDocument;
      const nowMs = status.nowMs ?? clock.now();
      const rows = fleetRows(status, nowMs, bundledPriceTable());
      if (opts.json) {
        println(ctx.stdout, JSON.stringify(rows, null, 2));
        return;
      }
      println(ctx.stdout, [formatFleetTable(rows), ...requestedLines(status, nowMs)].join('\n'));
    });
  fleet
    .command('drain')
    .description('take no new jobs on an instance; it is removed once its jobs are done')
    .argument('<id>', 'instance id (see fleet ls)')
    .option('-c, --config <file>', 'config.toml of the manager (its listen_address)')
    .option('--manager <url>', 'status URL of the manager, e.g. http://127.0.0.1:9252')
    .action(async (id: string, opts: ManagerOptions) => {
      const base = await managerUrl(ctx, opts);
      const res = await call(clock, `${base}/fleet/drain/${encodeURIComponent(id)}`, {
        method: 'POST',
      });
      const body = (await res.json().catch(() => ({}))) as { message?: string };
      if (res.status === 404) throw new UserError(`no instance ${id} in the manager at ${base}`);
      if (!res.ok) throw new UserError(`drain refused (HTTP ${res.status}): ${body.message ?? ''}`);
      println(ctx.stdout, `draining ${id}: no new jobs; removed once its running jobs are done`);
    });
}
