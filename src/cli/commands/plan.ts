/**
 * `spotrunner plan`: what a fleet will cost before it is deployed, by replaying job history
 * through the fleet engine on a virtual clock and a simulated cloud. Without --config it runs
 * the bundled example (seed 002's fleet and two weeks of its workload).
 */
import { EC2Client } from '@aws-sdk/client-ec2';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Writable } from 'node:stream';
import type { CompiledConfig } from '../../config/types.js';
import { SystemClock, type Clock } from '../../platform/clock.js';
import { silentLogger, type Logger } from '../../platform/logger.js';
import type { FetchFn } from '../../plan/import/gitlab-http.js';
import {
  createEc2SpotPriceSource,
  type SpotPriceSource,
} from '../../plan/prices/live-spot-prices.js';
import { runPlanCommand, type PlanCommandOptions } from '../plan/run-plan-command.js';
import { addSweepOptions } from '../plan/sweep-options.js';

export interface PlanCommandDeps {
  env: Readonly<Record<string, string | undefined>>;
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  /** Progress redraws in place on a terminal. */
  isTTY?: boolean;
  /** `loadConfig` from src/config (injected so the CLI main wires it). */
  loadConfig: (
    path: string,
    options: { env: Readonly<Record<string, string | undefined>> },
  ) => Promise<{ config: CompiledConfig }>;
  /** Spot price source for --live-prices; default: an EC2 client with the default credential chain. */
  spotPrices?: (region: string) => SpotPriceSource;
  clock?: Clock;
  fetch?: FetchFn;
  logger?: Logger;
}

/** The default --live-prices source: EC2 DescribeSpotPriceHistory via the SDK's credential chain. */
export function ec2SpotPrices(region: string): SpotPriceSource {
  return createEc2SpotPriceSource(new EC2Client({ region, maxAttempts: 5 }));
}

function addHistoryOptions(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'config.toml to plan for (default: the bundled example)')
    .option(
      '--history <file>',
      'job history: CSV (queued_at,duration_s,tags,project) or GitLab job JSON/JSONL',
    )
    .option('--gitlab-url <url>', 'import history from a GitLab instance (REST API)')
    .option(
      '--token-env <name>',
      'environment variable holding the GitLab token (default GITLAB_TOKEN)',
    )
    .option(
      '--token <token>',
      'GitLab token on the command line (lands in shell history; prefer --token-env)',
    )
    .option('--project <id|path>', 'GitLab project to import')
    .option('--group <id|path>', 'GitLab group to import (with subgroups)')
    .option(
      '--since <date|duration>',
      'import jobs created since a date (2026-05-01) or a duration ago (14d)',
    )
    .option('--cache-dir <dir>', 'import cache (default ~/.cache/spotrunner/history)')
    .option('--refresh', 'ignore the import cache (it is still updated)')
    .option(
      '--synthetic <spec>',
      'synthetic workload, e.g. jobs=1682,cpu-hours=29,days=14,spiky=true,seed=1',
    )
    .option(
      '--span <duration>',
      'time the history covers (e.g. 14d) when the jobs alone do not say',
    )
    .option(
      '--export-history <file>',
      'also write the history as CSV (queued_at,duration_s,tags,project)',
    );
}

function addFleetOptions(cmd: Command): Command {
  return cmd
    .option('--runner <name>', 'the [[runners]] entry to plan (default: the first)')
    .option(
      '--runner-tags <tags>',
      "the runner's GitLab tags, comma-separated: replay only the jobs it would take (all of a job's tags among them)",
    )
    .option('--no-run-untagged', 'with --runner-tags: the runner does not take untagged jobs')
    .option(
      '--instance-type <type>',
      'instance type (default: [runners.spotrunner] instance_type, else per arch)',
    )
    .option(
      '--region <region>',
      'AWS region for prices (default: plugin_config.region, else us-east-1)',
    )
    .addOption(
      new Option('--lifecycle <kind>', 'spot or on-demand capacity').choices(['spot', 'on-demand']),
    )
    .option('--prices <file>', 'price file (JSON or CSV) laid over the bundled table')
    .option(
      '--live-prices',
      'fetch current spot prices (EC2 DescribeSpotPriceHistory, default credentials)',
    )
    .option('--boot-time <duration>', 'median instance boot time (default 60s)')
    .option('--interruption-rate <n>', 'spot interruptions per instance-hour (default 0.01)')
    .option('--seed <n>', 'seed of the simulated cloud (boot times, interruptions)');
}

function addOutputOptions(cmd: Command): Command {
  return cmd
    .option(
      '--expect-cost <range>',
      'explain the result against an expected USD/month range, e.g. 2-5',
    )
    .option('--json', 'print the result as JSON instead of the text report')
    .option('--html <file>', 'write a self-contained HTML report with charts');
}

export function registerPlanCommand(program: Command, deps: PlanCommandDeps): void {
  const cmd = program
    .command('plan')
    .summary('project what a fleet costs by replaying job history')
    .description(
      'Replays job history through the fleet engine on a virtual clock and a simulated cloud and\n' +
        'reports VM-hours, queue waits, cold starts and cost per month, against always-on.\n' +
        'Without --config, runs the bundled example (seed 002: t4g.medium spot, idle_time 20m).',
    );
  addSweepOptions(addOutputOptions(addFleetOptions(addHistoryOptions(cmd)))).action(
    async (options: PlanCommandOptions) => {
      await runPlanCommand(
        {
          env: deps.env,
          cwd: deps.cwd,
          stdout: deps.stdout,
          stderr: deps.stderr,
          isTTY: deps.isTTY ?? false,
          clock: deps.clock ?? new SystemClock(),
          logger: deps.logger ?? silentLogger,
          fetch: deps.fetch ?? ((url, init) => fetch(url, init)),
          loadConfig: deps.loadConfig,
          spotPrices: deps.spotPrices ?? ec2SpotPrices,
        },
        options,
      );
    },
  );
}
