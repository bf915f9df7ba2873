/**
 * `spotrunner register`: like `gitlab-runner register` — by flags or interactively — with a runner
 * authentication token (`glrt-…`, verified) or a legacy registration token (`POST /runners`).
 * Writes or updates the runner's entry in config.toml without touching the rest of the file.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { loadOrCreateSystemId, upsertRunnerEntry } from '../../config/index.js';
import type { ExecutorName } from '../../config/types.js';
import { SystemClock } from '../../platform/clock.js';
import { createLogger } from '../../platform/logger.js';
import { UserError } from '../../platform/errors.js';
import { println, type CliContext } from '../cli-context.js';
import { clientForRunner } from '../gitlab-clients.js';

interface RegisterOptions {
  config: string;
  url?: string;
  token?: string;
  registrationToken?: string;
  name?: string;
  executor?: string;
  tagList?: string;
  runUntagged?: boolean;
  locked?: boolean;
  plugin: string;
  nonInteractive?: boolean;
}

const EXECUTORS: readonly ExecutorName[] = ['instance', 'docker-autoscaler', 'shell', 'docker'];

export function registerRegisterCommand(program: Command, ctx: CliContext): void {
  program
    .command('register')
    .description('register a runner with GitLab and write it into config.toml')
    .option('-c, --config <file>', 'path to config.toml', 'config.toml')
    .option('--url <url>', 'GitLab instance URL')
    .option('--token <token>', 'runner authentication token (glrt-…) created in GitLab')
    .option('--registration-token <token>', 'legacy registration token (deprecated by GitLab)')
    .option('--name <name>', 'runner name in config.toml')
    .option('--executor <executor>', `one of ${EXECUTORS.join(', ')}`)
    .option('--tag-list <tags>', 'comma-separated tags (legacy registration only)')
    .option('--run-untagged', 'pick up untagged jobs (legacy registration only)')
    .option('--locked', 'lock the runner to its project (legacy registration only)')
    .option(
      '--plugin <plugin>',
      'autoscaler plugin for instance/docker-autoscaler: local, static or aws',
      'local',
    )
    .option('-n, --non-interactive', 'never prompt; fail when something is missing')
    .action(async (opts: RegisterOptions) => {
      const answers = await completeAnswers(ctx, opts);
      const file = resolve(ctx.cwd, opts.config);
      const { systemId } = await loadOrCreateSystemId(dirname(file));
      const clock = new SystemClock();
      const client = clientForRunner(
        { clock, logger: createLogger({ level: 'warn', format: 'text' }) },
        { url: answers.url, token: '', executor: answers.executor },
        systemId,
        ctx.version,
      );
      const result = await client.register(answers.token, {
        description: answers.name,
        ...(opts.tagList
          ? {
              tagList: opts.tagList
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean),
            }
          : {}),
        ...(opts.runUntagged !== undefined ? { runUntagged: opts.runUntagged } : {}),
        ...(opts.locked !== undefined ? { locked: opts.locked } : {}),
      });
      const text = existsSync(file)
        ? await readFile(file, 'utf8')
        : 'concurrent = 4\ncheck_interval = 0\n';
      const updated = upsertRunnerEntry(text, {
        name: answers.name,
        url: answers.url,
        token: result.token,
        id: result.id,
        tokenObtainedAtMs: result.tokenObtainedAtMs,
        ...(result.tokenExpiresAtMs ? { tokenExpiresAtMs: result.tokenExpiresAtMs } : {}),
        executor: answers.executor,
        ...(answers.executor === 'instance' || answers.executor === 'docker-autoscaler'
          ? { extraToml: autoscalerTemplate(opts.plugin) }
          : {}),
      });
      await writeFile(file, updated, { mode: 0o600 });
      println(
        ctx.stdout,
        `Runner "${answers.name}" registered (id ${result.id}, ${result.flow} flow) and written to ${file}.`,
      );
    });
}

async function completeAnswers(
  ctx: CliContext,
  opts: RegisterOptions,
): Promise<{ url: string; token: string; name: string; executor: ExecutorName }> {
  const token = opts.token ?? opts.registrationToken;
  const missing = !opts.url || !token || !opts.executor;
  let ask = (_q: string, fallback?: string): Promise<string> => Promise.resolve(fallback ?? '');
  let close = (): void => undefined;
  if (missing && !opts.nonInteractive) {
    const rl = createInterface({ input: process.stdin, output: ctx.stderr });
    ask = async (q, fallback) => {
      const a = (await rl.question(`${q}${fallback ? ` [${fallback}]` : ''}:\n`)).trim();
      return a || fallback || '';
    };
    close = () => rl.close();
  }
  try {
    const url =
      opts.url ?? (await ask('Enter the GitLab instance URL (for example, https://gitlab.com/)'));
    const tok = token ?? (await ask('Enter the registration token'));
    const name = opts.name ?? (await ask('Enter a name for the runner', 'spotrunner'));
    const executor =
      opts.executor ?? (await ask(`Enter an executor: ${EXECUTORS.join(', ')}`, 'instance'));
    if (!url) throw new UserError('--url is required');
    if (!tok) throw new UserError('--token (or --registration-token) is required');
    if (!EXECUTORS.includes(executor as ExecutorName)) {
      throw new UserError(
        `unknown executor "${executor}": expected one of ${EXECUTORS.join(', ')}`,
      );
    }
    return { url, token: tok, name: name || 'spotrunner', executor: executor as ExecutorName };
  } finally {
    close();
  }
}

function autoscalerTemplate(plugin: string): string {
  const pluginConfig =
    plugin === 'aws'
      ? '  [runners.autoscaler.plugin_config]\n    name = "my-asg"          # the Auto Scaling group (see README: AWS setup)\n    region = "us-east-1"\n'
      : plugin === 'local'
        ? '  [runners.autoscaler.plugin_config]\n    dir = ".spotrunner/local"  # instances are processes on this machine\n'
        : '';
  return (
    `  [runners.autoscaler]\n    plugin = "${plugin}"\n    capacity_per_instance = 1\n    max_instances = 2\n` +
    pluginConfig +
    '  [[runners.autoscaler.policy]]\n    idle_count = 0\n    idle_time = "20m0s"\n'
  );
}
