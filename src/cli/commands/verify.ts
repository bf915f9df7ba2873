/**
 * `spotrunner verify --config FILE`: checks each runner's token with GitLab (`POST /runners/verify`),
 * prints the result and token expiry, and exits non-zero when a runner fails. Extra checks per
 * provider (the AWS group's settings) are contributed by app/.
 */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, loadOrCreateSystemId, redactToken } from '../../config/index.js';
import type { CompiledConfig, CompiledRunner } from '../../config/types.js';
import { SystemClock } from '../../platform/clock.js';
import { createLogger } from '../../platform/logger.js';
import { describeError } from '../../platform/errors.js';
import { println, type CliContext } from '../cli-context.js';
import { clientForRunner } from '../gitlab-clients.js';

export interface ExtraCheckResult {
  ok: boolean;
  lines: readonly string[];
}

/** Additional per-runner checks (e.g. the AWS Auto Scaling group), supplied by app/. */
export type RunnerCheck = (
  runner: CompiledRunner,
  config: CompiledConfig,
) => Promise<ExtraCheckResult | undefined>;

export function registerVerifyCommand(
  program: Command,
  ctx: CliContext,
  extraChecks: readonly RunnerCheck[] = [],
): void {
  program
    .command('verify')
    .description(
      'check each runner token with GitLab (and each cloud group), exit non-zero on failure',
    )
    .requiredOption('-c, --config <file>', 'path to config.toml')
    .option('--runner <name>', 'only this runner')
    .action(async (opts: { config: string; runner?: string }) => {
      const file = resolve(ctx.cwd, opts.config);
      const { config } = await loadConfig(file, { env: ctx.env });
      const clock = new SystemClock();
      const logger = createLogger({ level: 'warn', format: 'text' });
      const { systemId } = await loadOrCreateSystemId(dirname(file));
      let failures = 0;
      for (const runner of config.runners.filter((r) => !opts.runner || r.name === opts.runner)) {
        const label = `runner "${runner.name}" (${runner.url || 'no url'}, token ${redactToken(runner.token)})`;
        if (!runner.url || !runner.token) {
          println(ctx.stdout, `✗ ${label}: url and token are required`);
          failures++;
          continue;
        }
        try {
          const res = await clientForRunner(
            { clock, logger },
            runner,
            systemId,
            ctx.version,
          ).verify();
          if (res.valid) {
            const expiry = res.tokenExpiresAtMs
              ? `token expires ${new Date(res.tokenExpiresAtMs).toISOString()}`
              : 'token does not expire';
            println(ctx.stdout, `✓ ${label}: is valid (id ${res.id ?? '?'}, ${expiry})`);
          } else {
            println(
              ctx.stdout,
              `✗ ${label}: is not valid${res.message ? ` (${res.message})` : ''}`,
            );
            failures++;
          }
        } catch (err: unknown) {
          println(ctx.stdout, `✗ ${label}: cannot reach GitLab: ${describeError(err)}`);
          failures++;
        }
        for (const check of extraChecks) {
          const extra = await check(runner, config);
          if (!extra) continue;
          for (const line of extra.lines) println(ctx.stdout, `  ${line}`);
          if (!extra.ok) failures++;
        }
      }
      if (failures > 0) ctx.setExitCode(1);
    });
}
