/** `spotrunner config check FILE`: validate a config.toml and say in plain words what it will do. */
import type { Command } from 'commander';
import { describeConfig, loadConfig } from '../../config/index.js';
import { SystemClock } from '../../platform/clock.js';
import { formatConfigIssue } from '../../platform/errors.js';
import { println, type CliContext } from '../cli-context.js';
import { resolve } from 'node:path';

export function registerConfigCommand(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('work with config.toml files');
  config
    .command('check')
    .description('validate a config.toml and print what each runner will do')
    .argument('<file>', 'path to config.toml')
    .option('--strict', 'exit non-zero when there are warnings too')
    .action(async (file: string, opts: { strict?: boolean }) => {
      const { config: compiled, warnings } = await loadConfig(resolve(ctx.cwd, file), {
        env: ctx.env,
      });
      println(ctx.stdout, describeConfig(compiled, { nowMs: new SystemClock().now() }));
      for (const w of warnings) println(ctx.stderr, `warning: ${formatConfigIssue(w)}`);
      const verdict =
        compiled.runners.length === 0
          ? 'valid, but it has no [[runners]] entries: `spotrunner run` refuses it'
          : `OK (${compiled.runners.length} runner(s), ${warnings.length} warning(s))`;
      println(ctx.stdout, `\n${file}: ${verdict}`);
      if (opts.strict && warnings.length > 0) ctx.setExitCode(2);
    });
}
