/**
 * `spotrunner report --state-dir DIR [--from T] [--to T] [--json] [--csv FILE]`: what the
 * manager recorded (DIR/history, see manager/history/) as hours and money, per instance type
 * and per project; `--csv` writes the recorded jobs in the CSV that `plan --history` reads.
 * The money section (today, month to date, projection, savings) is as of `--now`.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../platform/errors.js';
import { loadPriceFile } from '../../plan/prices/load-prices.js';
import {
  bundledPriceTable,
  DEFAULT_REGION,
  mergePriceTables,
} from '../../plan/prices/price-table.js';
import { HISTORY_FILE } from '../../manager/history/history-log.js';
import { buildReport } from '../../manager/history/history-report.js';
import { readRecordedHistory } from '../../manager/history/read-history.js';
import { formatReport, recordedJobsCsv } from '../../manager/history/report-format.js';
import { println, type CliContext } from '../cli-context.js';
import * as money from './report-money.js';

interface ReportOptions extends money.ReportMoneyOptions {
  stateDir: string;
  from?: string;
  to?: string;
  json?: boolean;
  csv?: string;
  region?: string;
  prices?: string;
}

function parseTime(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UserError(`${flag} "${value}" is not a date (ISO-8601)`);
  return ms;
}

/** The history directory: DIR/history (a manager's state dir), or DIR itself. */
function historyDir(dir: string): string {
  return existsSync(join(dir, HISTORY_FILE)) ? dir : join(dir, 'history');
}

export function registerReportCommand(
  program: Command,
  ctx: CliContext,
  deps: money.ReportCommandDeps = {},
): void {
  program
    .command('report')
    .description('cost, busy/idle/boot hours and per-project cost from what the manager recorded')
    .requiredOption('--state-dir <dir>', "the manager's state directory (holds history/)")
    .option('--from <time>', 'period start (ISO-8601), inclusive')
    .option('--to <time>', 'period end (ISO-8601), exclusive')
    .option('--json', 'print the report as JSON')
    .option('--csv <file>', 'write the recorded jobs as plan --history CSV (- for stdout)')
    .option('--region <region>', `AWS region for prices (default ${DEFAULT_REGION})`)
    .option('--prices <file>', 'price file (JSON or CSV) laid over the bundled table')
    .option('--now <time>', 'money: today and month to date as of this time (ISO-8601)')
    .option('--live-prices', 'fetch current spot prices (EC2 DescribeSpotPriceHistory)')
    .option('--capacity-per-instance <n>', 'always-on comparison: jobs per instance')
    .action(async (opts: ReportOptions) => {
      const dir = historyDir(resolve(ctx.cwd, opts.stateDir));
      const history = await readRecordedHistory(dir);
      const base = bundledPriceTable();
      const listed = opts.prices
        ? mergePriceTables(base, await loadPriceFile(resolve(ctx.cwd, opts.prices)))
        : base;
      const m = money.prepareMoney(opts, deps, history);
      const prices = await m.prices(listed);
      const fromMs = parseTime(opts.from, '--from');
      const toMs = parseTime(opts.to, '--to');
      const period = {
        ...(fromMs !== undefined ? { fromMs } : {}),
        ...(toMs !== undefined ? { toMs } : {}),
      };
      if (opts.csv !== undefined) {
        const inPeriod = history.jobs.filter(
          (j) =>
            (fromMs === undefined || j.finishedAtMs >= fromMs) &&
            (toMs === undefined || j.finishedAtMs < toMs),
        );
        const csv = recordedJobsCsv(inPeriod);
        if (opts.csv === '-') {
          ctx.stdout.write(csv);
          return;
        }
        await writeFile(resolve(ctx.cwd, opts.csv), csv);
      }
      const report = buildReport(history, {
        ...period,
        region: opts.region ?? DEFAULT_REGION,
        prices,
      });
      const summary = m.summarize(prices);
      println(
        ctx.stdout,
        opts.json
          ? JSON.stringify({ ...report, money: summary }, null, 2)
          : `${formatReport(report)}\n\n${money.formatMoney(summary)}`,
      );
    });
}
