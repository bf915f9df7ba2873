/**
 * What `spotrunner report` does once its flags are parsed: read the recorded history, add it up
 * (buildReport); with `--config` replay the period's recorded jobs through the plan engine with
 * that config's fleet settings and compare; with `--sweep` run plan's sweep over them and advise;
 * print text or JSON, and write CSV and/or HTML.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CompiledConfig } from '../../config/types.js';
import type { Clock } from '../../platform/clock.js';
import { parseDurationMs } from '../../platform/durations.js';
import { describeError, UserError } from '../../platform/errors.js';
import { loadPriceFile } from '../../plan/prices/load-prices.js';
import {
  bundledPriceTable,
  DEFAULT_REGION,
  mergePriceTables,
  type PriceTable,
} from '../../plan/prices/price-table.js';
import { resolvePlanTarget } from '../../plan/replay/plan-setup.js';
import { runPlan } from '../../plan/replay/run-plan.js';
import { runSweep } from '../../plan/sweep/run-sweep.js';
import { formatSweepText } from '../../plan/sweep/sweep-report.js';
import { parseSweep } from '../../plan/sweep/sweep-spec.js';
import { HISTORY_FILE } from '../../manager/history/history-log.js';
import { renderHistoryHtml } from '../../manager/history/history-html.js';
import { buildReport, type HistoryReport } from '../../manager/history/history-report.js';
import { readRecordedHistory, type RecordedHistory } from '../../manager/history/read-history.js';
import { realizedSeries } from '../../manager/history/realized-series.js';
import { recordedPlanHistory } from '../../manager/history/recorded-job-records.js';
import { replayBasisFromRecording } from '../../manager/history/replay-basis.js';
import { compareWithReplay } from '../../manager/history/replay-comparison.js';
import {
  formatComparison,
  formatSweepAdvice,
} from '../../manager/history/replay-comparison-format.js';
import { formatReport, recordedJobsCsv } from '../../manager/history/report-format.js';
import { adviseFromSweep, sweepAdviceJson } from '../../manager/history/sweep-advice.js';
import { println, type CliContext } from '../cli-context.js';
import { sweepProgress } from '../plan/sweep-options.js';
import {
  formatMoney,
  prepareMoney,
  type ReportCommandDeps,
  type ReportMoneyOptions,
} from '../commands/report-money.js';
import type { MoneySummary } from '../../manager/history/money.js';
import type { Advice } from './report-advice.js';

export interface ReportCommandOptions extends ReportMoneyOptions {
  stateDir: string;
  from?: string;
  to?: string;
  json?: boolean;
  csv?: string;
  prices?: string;
  config?: string;
  runner?: string;
  /** `true` for a bare `--sweep`, else the `key=values` given. */
  sweep?: boolean | string[];
  waitTarget?: string;
  html?: string;
}

export interface RunReportDeps {
  ctx: CliContext;
  clock: Clock;
  loadConfig: (
    path: string,
    options: { env: Readonly<Record<string, string | undefined>> },
  ) => Promise<{ config: CompiledConfig }>;
  /** The money section's price source (`--live-prices`); its clock is `clock`. */
  money: ReportCommandDeps;
}

interface Period {
  fromMs?: number;
  toMs?: number;
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

const inPeriod = (ms: number, p: Period): boolean =>
  (p.fromMs === undefined || ms >= p.fromMs) && (p.toMs === undefined || ms < p.toMs);

async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (err: unknown) {
    throw new UserError(`cannot write ${path}: ${describeError(err)}`);
  }
}

function checkOptions(o: ReportCommandOptions): void {
  const sweep = o.sweep !== undefined && o.sweep !== false;
  if (o.config === undefined && sweep)
    throw new UserError(
      '--sweep replays the recorded jobs with a fleet config: give --config FILE',
    );
  if (o.config === undefined && o.runner !== undefined)
    throw new UserError('--runner names a [[runners]] entry of --config FILE: give --config too');
}

/** The history of one runner: its jobs and instances. */
function runnerHistory(history: RecordedHistory, runner: string, period: Period): RecordedHistory {
  const jobs = history.jobs.filter((j) => j.runner === runner);
  if (!jobs.some((j) => inPeriod(j.finishedAtMs, period) && j.startedAtMs !== undefined)) {
    const names = [...new Set(history.jobs.map((j) => j.runner))].sort();
    throw new UserError(
      `no recorded job of runner "${runner}" ran in the period (recorded runners: ${names.join(', ') || 'none'}); pick one with --runner`,
    );
  }
  return { ...history, jobs, instances: history.instances.filter((i) => i.runner === runner) };
}

/** `--config` (and `--sweep`): replay the runner's recorded jobs and compare, advise. */
async function adviseFromReplay(
  deps: RunReportDeps,
  o: ReportCommandOptions,
  config: CompiledConfig,
  history: RecordedHistory,
  base: { period: Period; region: string; prices: PriceTable; source: string },
): Promise<Advice> {
  const { runner } = resolvePlanTarget(config, o.runner !== undefined ? { runner: o.runner } : {});
  const own = runnerHistory(history, runner.name, base.period);
  const realized = buildReport(own, { ...base.period, region: base.region, prices: base.prices });
  const jobs = own.jobs.filter((j) => inPeriod(j.finishedAtMs, base.period));
  const instances = own.instances.filter((i) => inPeriod(i.launchedAtMs, base.period));
  const basis = replayBasisFromRecording(instances, base.prices, base.region, {
    runner: runner.name,
  });
  const input = {
    config,
    history: recordedPlanHistory(jobs, base.period, base.source),
    prices: base.prices,
    flags: basis.flags,
  };
  const plan = await runPlan(input);
  const comparison = compareWithReplay(realized, jobs, plan, basis.notes);
  if (o.sweep === undefined || o.sweep === false) return { plan, comparison };
  const dims = parseSweep(o.sweep === true ? [] : o.sweep);
  const waitTargetSeconds = parseDurationMs(o.waitTarget ?? '60s') / 1000;
  const sweep = await runSweep(input, dims, waitTargetSeconds, sweepProgress(deps.ctx));
  const advice = adviseFromSweep(sweep, plan, {
    costUsd: realized.costUsd,
    p95WaitSeconds: comparison.queueWaitSeconds.p95.realized,
  });
  return { plan, comparison, sweep, advice };
}

interface Printed {
  report: HistoryReport;
  money: MoneySummary;
  advice?: Advice | undefined;
}

function print(ctx: CliContext, o: ReportCommandOptions, p: Printed): void {
  const a = p.advice;
  if (o.json) {
    const json = {
      ...p.report,
      money: p.money,
      ...(a ? { replay: a.comparison } : {}),
      ...(a?.sweep && a.advice ? { sweep: sweepAdviceJson(a.sweep, a.advice) } : {}),
    };
    println(ctx.stdout, JSON.stringify(json, null, 2));
    return;
  }
  const parts = [formatReport(p.report), formatMoney(p.money)];
  if (a) parts.push(formatComparison(a.comparison));
  if (a?.sweep) parts.push(formatSweepText(a.sweep).trimEnd());
  if (a?.advice) parts.push(formatSweepAdvice(a.advice));
  println(ctx.stdout, parts.join('\n\n'));
}

async function loadTable(ctx: CliContext, o: ReportCommandOptions): Promise<PriceTable> {
  const base = bundledPriceTable();
  return o.prices ? mergePriceTables(base, await loadPriceFile(resolve(ctx.cwd, o.prices))) : base;
}

export async function runReportCommand(
  deps: RunReportDeps,
  o: ReportCommandOptions,
): Promise<void> {
  const { ctx } = deps;
  checkOptions(o);
  const dir = historyDir(resolve(ctx.cwd, o.stateDir));
  const history = await readRecordedHistory(dir);
  const listed = await loadTable(ctx, o);
  const fromMs = parseTime(o.from, '--from');
  const toMs = parseTime(o.to, '--to');
  const period: Period = {
    ...(fromMs !== undefined ? { fromMs } : {}),
    ...(toMs !== undefined ? { toMs } : {}),
  };
  const config = o.config
    ? (await deps.loadConfig(resolve(ctx.cwd, o.config), { env: ctx.env })).config
    : undefined;
  const region =
    o.region ??
    (config
      ? resolvePlanTarget(config, o.runner !== undefined ? { runner: o.runner } : {}).region
      : DEFAULT_REGION);
  const m = prepareMoney({ ...o, region }, { ...deps.money, clock: deps.clock }, history);
  const prices = await m.prices(listed);
  const report = buildReport(history, { ...period, region, prices });
  if (o.csv !== undefined) {
    const csv = recordedJobsCsv(
      history.jobs.filter((j) => inPeriod(j.finishedAtMs, period)),
      report,
    );
    if (o.csv === '-') {
      ctx.stdout.write(csv);
      return;
    }
    await writeOutput(resolve(ctx.cwd, o.csv), csv);
  }
  const money = m.summarize(prices);
  const advice = config
    ? await adviseFromReplay(deps, o, config, history, {
        period,
        region,
        prices,
        source: `recorded history (${dir})`,
      })
    : undefined;
  print(ctx, o, { report, money, advice });
  if (o.html !== undefined) {
    const page = renderHistoryHtml({
      report,
      money,
      series: realizedSeries(
        history.jobs.filter((j) => inPeriod(j.finishedAtMs, period)),
        history.instances.filter((i) => inPeriod(i.launchedAtMs, period)),
      ),
      ...(advice ?? {}),
      generatedAt: new Date(deps.clock.now()).toISOString(),
    });
    await writeOutput(resolve(ctx.cwd, o.html), page);
    if (!o.json) println(ctx.stdout, `\nHTML report written to ${o.html}`);
  }
}
