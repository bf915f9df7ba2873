/**
 * `spotrunner sandbox [DIR]`: a project's .gitlab-ci.yml through the embedded GitLab-compatible
 * server and a local fleet (src/sandbox/session/run-sandbox.ts).
 */
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { runSandbox, type SandboxOptions } from '../../sandbox/session/run-sandbox.js';

export function registerSandboxCommand(program: Command, ctx: CliContext): void {
  program
    .command('sandbox')
    .description(
      "run a project's .gitlab-ci.yml through spotrunner with an embedded GitLab and local instances",
    )
    .argument(
      '[dir]',
      'project directory with a .gitlab-ci.yml (default: the bundled demo project)',
    )
    .option(
      '--data-dir <dir>',
      'where the server keeps repositories, traces and artifacts (default: a new temp dir)',
    )
    .option('--executor <name>', 'auto, instance or docker-autoscaler', 'auto')
    .option('--max-instances <n>', 'most local instances', '3')
    .option('--idle-time <duration>', 'idle_time of the policy (instances go away after it)', '10s')
    .option('--boot-delay <duration>', 'simulated boot time of a local instance', '2s')
    .option(
      '--no-wait-scale-down',
      'exit as soon as the pipeline ends, without watching instances go',
    )
    .option(
      '--keep',
      'keep the server and manager running afterwards (see `spotrunner sandbox-ctl`)',
    )
    .option('--port <port>', 'port of the embedded GitLab server (0 = any free port)', '0')
    .option('-v, --verbose', "print the manager's log lines too")
    .action(async (dir: string | undefined, opts: SandboxOptions) => runSandbox(ctx, dir, opts));
}
