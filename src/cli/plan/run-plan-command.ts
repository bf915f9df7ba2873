/**
 * What `spotrunner plan` does once its flags are parsed: load config, history and prices, run
 * one plan (and a sweep when asked), and print the text report, JSON, and/or write HTML.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { CompiledConfig } from '../../config/types.js';
import { parseDurationMs } from '../../platform/durations.js';
import { describeError, UserError } from '../../platform/errors.js';
import { parseCostBand, type CostBand } from '../../plan/cost/explain-cost.js';
import type { History } from '../../plan/history/job-record.js';
import { routeHistory } from '../../plan/history/route-by-tags.js';
import { formatHistoryCsv } from '../../plan/history/write-history-csv.js';
import { parseSeed } from '../../plan/history/synthetic-spec.js';
import type { SpotPriceSource } from '../../plan/prices/live-spot-prices.js';
import { planToJson } from '../../plan/report/json-report.js';
import { renderHtmlReport } from '../../plan/report/html-report.js';
import { formatTextReport } from '../../plan/report/text-report.js';
import { resolvePlanTarget, type PlanFlags } from '../../plan/replay/plan-setup.js';
import type { PlanResult } from '../../plan/replay/plan-result.js';
import { runPlan, type PlanInput } from '../../plan/replay/run-plan.js';
import {
  bundledExample,
  loadHistory,
  loadPrices,
  type HistorySourceOptions,
  type SourceDeps,
} from '../../plan/plan-sources.js';
import { runSweep, type SweepResult } from '../../plan/sweep/run-sweep.js';
import { formatSweepText, sweepToJson } from '../../plan/sweep/sweep-report.js';
import { parseSweep, type SweepDimension } from '../../plan/sweep/sweep-spec.js';
import { sweepProgress } from './sweep-options.js';

export interface PlanCommandOptions extends HistorySourceOptions {
  config?: string;
  runner?: string;
  /** `--runner-tags a,b`: replay only the jobs such a runner takes. */
  runnerTags?: string;
  /** false with `--no-run-untagged`. */
  runUntagged?: boolean;
  instanceType?: string;
  region?: string;
  lifecycle?: string;
  prices?: string;
  livePrices?: boolean;
  json?: boolean;
  html?: string;
  /** `true` for a bare `--sweep`, else the `key=values` given. */
  sweep?: boolean | string[];
  waitTarget?: string;
  seed?: string;
  bootTime?: string;
  interruptionRate?: string;
  expectCost?: string;
  exportHistory?: string;
  /** How much time the history covers (`14d`), when the jobs alone do not say. */
  span?: string;
}

export interface RunPlanCommandDeps extends SourceDeps {
  stdout: Writable;
  loadConfig: (
    path: string,
    options: { env: Readonly<Record<string, string | undefined>> },
  ) => Promise<{ config: CompiledConfig }>;
  spotPrices?: (region: string) => SpotPriceSource;
}

const SEED_002_BAND: CostBand = { lowUsd: 2, highUsd: 5, label: 'seed 002 projection' };

function parseFlags(o: PlanCommandOptions): PlanFlags {
  const flags: PlanFlags = {};
  if (o.runner !== undefined) flags.runner = o.runner;
  if (o.instanceType !== undefined) flags.instanceType = o.instanceType;
  if (o.region !== undefined) flags.region = o.region;
  if (o.lifecycle !== undefined) {
    if (o.lifecycle !== 'spot' && o.lifecycle !== 'on-demand') {
      throw new UserError(`--lifecycle ${o.lifecycle}: expected spot or on-demand`);
    }
    flags.lifecycle = o.lifecycle;
  }
  if (o.seed !== undefined) flags.seed = parseSeed(o.seed);
  if (o.bootTime !== undefined) flags.bootMedianMs = parseDurationMs(o.bootTime);
  if (o.interruptionRate !== undefined) {
    const rate = Number(o.interruptionRate);
    if (!(rate >= 0))
      throw new UserError(
        `--interruption-rate ${o.interruptionRate}: expected interruptions per instance-hour ≥ 0`,
      );
    flags.interruptionsPerInstanceHour = rate;
  }
  return flags;
}

function parseBand(o: PlanCommandOptions, usingExample: boolean): CostBand | undefined {
  if (o.expectCost === undefined) return usingExample ? SEED_002_BAND : undefined;
  const band = parseCostBand(o.expectCost, '--expect-cost');
  if (!band)
    throw new UserError(
      `--expect-cost ${o.expectCost}: expected a range of USD per month, e.g. 2-5`,
    );
  return band;
}

async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (err: unknown) {
    throw new UserError(`cannot write ${path}: ${describeError(err)}`);
  }
}

function withSpan(history: History, span: string | undefined, nowMs: number): History {
  if (span === undefined) return history;
  const spanMs = parseDurationMs(span);
  if (!(spanMs > 0)) throw new UserError(`--span ${span}: expected a positive duration, e.g. 14d`);
  const first = history.jobs[0]?.queuedAtMs ?? nowMs;
  return { ...history, spanMs, spanStartMs: Math.floor(first / 86_400_000) * 86_400_000 };
}

/** `--runner-tags` / `--no-run-untagged`: keep the jobs such a runner would take. */
function routeByTags(history: History, o: PlanCommandOptions): History {
  if (o.runnerTags === undefined && o.runUntagged !== false) return history;
  const tags = (o.runnerTags ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  return routeHistory(history, { tags, runUntagged: o.runUntagged !== false });
}

interface Prepared {
  input: PlanInput;
  dims: SweepDimension[] | undefined;
  waitTargetSeconds: number;
}

/** Config, history, sweep dimensions and prices for the options given. */
async function prepare(deps: RunPlanCommandDeps, options: PlanCommandOptions): Promise<Prepared> {
  const example = bundledExample();
  const usingExample = options.config === undefined;
  const noHistory = [options.history, options.synthetic, options.gitlabUrl].every(
    (v) => v === undefined,
  );
  const o = usingExample && noHistory ? { ...options, history: example.history } : options;
  const flags = parseFlags(o);
  const configPath = usingExample ? example.config : resolve(deps.cwd, o.config!);
  const { config } = await deps.loadConfig(configPath, { env: deps.env });
  const history = routeByTags(withSpan(await loadHistory(deps, o), o.span, deps.clock.now()), o);
  if (o.exportHistory !== undefined) {
    const csv = [...formatHistoryCsv(history.jobs)].join('');
    await writeOutput(resolve(deps.cwd, o.exportHistory), csv);
  }
  const dims =
    o.sweep === undefined || o.sweep === false
      ? undefined
      : parseSweep(o.sweep === true ? [] : o.sweep);
  const target = resolvePlanTarget(config, flags);
  const sweepTypes = dims?.find((d) => d.key === 'type')?.labels ?? [];
  const prices = await loadPrices(deps, {
    ...(o.prices !== undefined ? { prices: o.prices } : {}),
    livePrices: o.livePrices ?? false,
    region: target.region,
    instanceTypes: [...new Set([target.instanceType, ...sweepTypes])],
  });
  const band = parseBand(o, usingExample);
  return {
    input: {
      config,
      history,
      prices,
      flags,
      logger: deps.logger,
      ...(band ? { expected: band } : {}),
    },
    dims,
    waitTargetSeconds: o.waitTarget === undefined ? 60 : parseDurationMs(o.waitTarget) / 1000,
  };
}

async function report(
  deps: RunPlanCommandDeps,
  o: PlanCommandOptions,
  plan: PlanResult,
  sweep: SweepResult | undefined,
): Promise<void> {
  if (o.json) {
    const json = sweep ? { ...planToJson(plan), sweep: sweepToJson(sweep) } : planToJson(plan);
    deps.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    deps.stdout.write(formatTextReport(plan));
    if (sweep) deps.stdout.write(`\n${formatSweepText(sweep)}`);
  }
  if (o.html !== undefined) {
    const generatedAt = new Date(deps.clock.now()).toISOString();
    await writeOutput(
      resolve(deps.cwd, o.html),
      renderHtmlReport({ plan, ...(sweep ? { sweep } : {}), generatedAt }),
    );
    if (!o.json) deps.stdout.write(`\nHTML report written to ${o.html}\n`);
  }
}

/** Runs `spotrunner plan` for parsed options; UserError for anything the user can fix. */
export async function runPlanCommand(
  deps: RunPlanCommandDeps,
  o: PlanCommandOptions,
): Promise<void> {
  const { input, dims, waitTargetSeconds } = await prepare(deps, o);
  const plan = await runPlan(input);
  const sweep = dims
    ? await runSweep(input, dims, waitTargetSeconds, sweepProgress(deps))
    : undefined;
  await report(deps, o, plan, sweep);
}
