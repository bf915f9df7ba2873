/**
 * `spotrunner report --state-dir DIR [--from T] [--to T] [--json] [--csv FILE] [--html FILE]
 * [--config FILE [--runner NAME] [--sweep [setting=values …] --wait-target D]]`: what the
 * manager recorded (DIR/history, see manager/history/) as hours and money, per instance type and
 * per project (per job in `--json`); `--csv` writes the recorded jobs in the CSV that
 * `plan --history` reads, each job's cost as a last column;
 * `--config` replays them through the plan engine and compares; `--sweep` advises settings. The
 * money section (today, month to date, projection, savings) is as of `--now`.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { SystemClock } from '../../platform/clock.js';
import { DEFAULT_REGION } from '../../plan/prices/price-table.js';
import type { CliContext } from '../cli-context.js';
import type { ReportCommandDeps } from './report-money.js';
import { addSweepOptions } from '../plan/sweep-options.js';
import { runReportCommand, type ReportCommandOptions } from '../report/run-report-command.js';

export function registerReportCommand(
  program: Command,
  ctx: CliContext,
  deps: ReportCommandDeps = {},
): void {
  const cmd = program
    .command('report')
    .description(
      'cost, busy/idle/boot hours and per-project cost from what the manager recorded;\n' +
        'with --config, the same jobs replayed through the plan engine beside what was realized',
    )
    .requiredOption('--state-dir <dir>', "the manager's state directory (holds history/)")
    .option('--from <time>', 'period start (ISO-8601), inclusive')
    .option('--to <time>', 'period end (ISO-8601), exclusive')
    .option('--json', 'print the report as JSON')
    .option('--csv <file>', 'write the recorded jobs as plan --history CSV (- for stdout)')
    .option('--html <file>', 'write a self-contained HTML report')
    .option(
      '--region <region>',
      `AWS region for prices (default: the config's plugin_config.region, else ${DEFAULT_REGION})`,
    )
    .option('--prices <file>', 'price file (JSON or CSV) laid over the bundled table')
    .option(
      '--config <file>',
      "replay the period's recorded jobs with this config's fleet settings",
    )
    .option('--runner <name>', 'with --config: the [[runners]] entry (default: the first)')
    .option('--now <time>', 'money: today and month to date as of this time (ISO-8601)')
    .option('--live-prices', 'fetch current spot prices (EC2 DescribeSpotPriceHistory)')
    .option('--capacity-per-instance <n>', 'always-on comparison: jobs per instance');
  addSweepOptions(cmd).action(async (opts: ReportCommandOptions) => {
    await runReportCommand(
      { ctx, clock: deps.clock ?? new SystemClock(), loadConfig, money: deps },
      opts,
    );
  });
}
