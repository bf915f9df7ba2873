/**
 * The commander program: `run`, `sandbox`, `plan`, `config check`, `verify`, `register`,
 * `fleet ls|drain`. Commands throw UserError for mistakes the user can fix; app/main maps errors
 * to exit codes.
 */
import { Command } from 'commander';
import type { CliContext } from './cli-context.js';

export type CommandRegistrar = (program: Command, ctx: CliContext) => void;

export function createProgram(ctx: CliContext, registrars: readonly CommandRegistrar[]): Command {
  const program = new Command('spotrunner')
    .description(
      'Autoscaling GitLab CI runner manager on cheap spot capacity.\n' +
        "Reads gitlab-runner's config.toml; see README.md for spotrunner's own additions.",
    )
    .version(ctx.version)
    .showHelpAfterError()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .exitOverride();
  for (const register of registrars) register(program, ctx);
  return program;
}
