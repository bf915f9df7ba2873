/**
 * `spotrunner aws setup|teardown --config FILE [--runner NAME]`: creates or updates everything
 * one aws runner needs (printing the plan first; `--dry-run` prints only), or removes what
 * setup made (only resources tagged `spotrunner:setup=<id>`; refused while a group has
 * instances). The SDK clients come from app/ through `createClients`.
 */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { resolveSetupSpec } from '../../aws-setup/setup-settings.js';
import type { SetupClientFactory } from '../../aws-setup/setup-clients.js';
import { runSetup } from '../../aws-setup/run-setup.js';
import { runTeardown } from '../../aws-setup/run-teardown.js';
import { loadConfig, loadOrCreateSystemId } from '../../config/index.js';
import type { CompiledRunner } from '../../config/types.js';
import { UserError } from '../../platform/errors.js';
import { awsOptionsFromConfig } from '../../providers/aws/index.js';
import { println, type CliContext } from '../cli-context.js';

interface AwsOpts {
  config: string;
  runner?: string;
  dryRun?: boolean;
}

async function eachAwsRunner(
  ctx: CliContext,
  opts: AwsOpts,
  createClients: SetupClientFactory,
  work: (
    runner: CompiledRunner,
    systemId: string,
    built: Awaited<ReturnType<SetupClientFactory>>,
  ) => Promise<void>,
): Promise<void> {
  const file = resolve(ctx.cwd, opts.config);
  const { config } = await loadConfig(file, { env: ctx.env });
  const runners = config.runners.filter(
    (r) => r.autoscaler?.provider.kind === 'aws' && (!opts.runner || r.name === opts.runner),
  );
  if (runners.length === 0)
    throw new UserError(`no aws runner${opts.runner ? ` named "${opts.runner}"` : ''} in ${file}`);
  const { systemId } = await loadOrCreateSystemId(dirname(file));
  for (const runner of runners) {
    const scaler = runner.autoscaler!;
    if (scaler.provider.kind !== 'aws') continue;
    const parsed = awsOptionsFromConfig(scaler.provider.aws, scaler.connector);
    const built = await createClients(parsed.clients);
    try {
      println(ctx.stdout, `runner "${runner.name}" (region ${built.region}):`);
      await work(runner, systemId, built);
    } finally {
      built.destroy();
    }
  }
}

export function registerAwsCommand(
  program: Command,
  ctx: CliContext,
  createClients: SetupClientFactory,
): void {
  const aws = program.command('aws').description('set up or tear down what an aws runner needs');
  aws
    .command('setup')
    .description('create or update the launch template, groups, IAM, cache bucket and queue')
    .requiredOption('-c, --config <file>', 'path to config.toml')
    .option('--runner <name>', 'only this runner')
    .option('--dry-run', 'print the plan only')
    .action(async (opts: AwsOpts) => {
      await eachAwsRunner(ctx, opts, createClients, async (runner, systemId, built) => {
        const spec = resolveSetupSpec(runner, systemId);
        await runSetup(
          { clients: built.clients, print: (l) => println(ctx.stdout, `  ${l}`) },
          spec,
          { region: built.region, dryRun: opts.dryRun === true },
        );
      });
    });
  aws
    .command('teardown')
    .description('remove what setup made (tagged spotrunner:setup); refused while instances run')
    .requiredOption('-c, --config <file>', 'path to config.toml')
    .option('--runner <name>', 'only this runner')
    .action(async (opts: AwsOpts) => {
      await eachAwsRunner(ctx, opts, createClients, async (runner, systemId, built) => {
        await runTeardown(
          { clients: built.clients, print: (l) => println(ctx.stdout, `  ${l}`) },
          resolveSetupSpec(runner, systemId),
        );
      });
    });
}
