/**
 * `spotrunner fleet ls` and `spotrunner fleet drain ID`: talk to a running manager's status
 * server (`listen_address` in config.toml, or `--manager URL`). `ls` prints the instances of
 * every runner (the table is cli/fleet-table.ts); `drain` stops handing out an instance and lets
 * the manager remove it once its jobs are done.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { SystemClock, type Clock } from '../../platform/clock.js';
import { UserError, describeError } from '../../platform/errors.js';
import { bundledPriceTable } from '../../plan/prices/price-table.js';
import {
  fleetRows,
  formatFleetTable,
  requestedLines,
  type StatusDocument,
} from '../fleet-table.js';
import { println, type CliContext } from '../cli-context.js';

interface ManagerOptions {
  config?: string;
  manager?: string;
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
