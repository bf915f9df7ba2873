/**
 * `spotrunner sandbox-ctl`: talk to a running sandbox (`spotrunner sandbox --keep`) over its
 * `/sandbox/api`: list projects and pipelines, start a pipeline, show a pipeline or job, cancel a
 * job, print a trace.
 */
import type { Command } from 'commander';
import { createSandboxClient, formatPipeline, type SandboxClient } from '../../sandbox/index.js';
import { SpotrunnerError, UserError, type ErrorCode } from '../../platform/errors.js';
import { println, type CliContext } from '../cli-context.js';

function idArg(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UserError(`${what} must be a positive whole number, got "${value}"`);
  return n;
}

/** Collects repeated `--var KEY=VALUE` into a map. */
function collectVariable(text: string, previous: Record<string, string> = {}) {
  const eq = text.indexOf('=');
  const key = eq > 0 ? text.slice(0, eq) : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    throw new UserError(`--var expects KEY=VALUE with a variable name as KEY, got "${text}"`);
  return { ...previous, [key]: text.slice(eq + 1) };
}

/** What the client reports about the user's request or URL (not a bug of ours). */
const USER_FACING: readonly ErrorCode[] = [
  'not_found',
  'usage',
  'gitlab_transport',
  'gitlab_payload',
];

/** Wraps an action: an unknown id, a refused request or an unreachable URL is a user error. */
function act<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (err: unknown) {
      if (
        err instanceof SpotrunnerError &&
        !(err instanceof UserError) &&
        USER_FACING.includes(err.code)
      )
        throw new UserError(err.message, err.code, { cause: err });
      throw err;
    }
  };
}

function sandboxUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:')
    throw new UserError(
      `--url must be the http:// URL \`spotrunner sandbox\` printed, got "${text}"`,
    );
  return text;
}

export function registerSandboxCtlCommand(program: Command, ctx: CliContext): void {
  const ctl = program
    .command('sandbox-ctl')
    .description('talk to a running sandbox (started with `spotrunner sandbox --keep`)')
    .requiredOption('--url <url>', 'the sandbox server URL printed by `spotrunner sandbox`');
  const client = (): SandboxClient =>
    createSandboxClient(sandboxUrl(ctl.opts<{ url: string }>().url));
  const json = (value: unknown): void => println(ctx.stdout, JSON.stringify(value, null, 2));

  ctl
    .command('projects')
    .description('list projects')
    .action(
      act(async () => {
        for (const p of await client().projects()) println(ctx.stdout, `${p.id}\t${p.path}`);
      }),
    );
  ctl
    .command('pipelines')
    .argument('<project>', 'project id')
    .description('list the pipelines of a project')
    .action(
      act(async (project: string) => {
        for (const p of await client().pipelines(idArg(project, 'project')))
          println(ctx.stdout, `#${p.id}\t${p.status}\t${p.ref}\t${p.sha.slice(0, 8)}`);
      }),
    );
  ctl
    .command('run')
    .argument('<project>', 'project id')
    .option('--ref <ref>', 'branch or tag')
    .option(
      '--var <KEY=VALUE>',
      'a pipeline variable (repeatable); rules see it, and it wins over project and file variables',
      collectVariable,
    )
    .description('create a pipeline')
    .action(
      act(async (project: string, o: { ref?: string; var?: Record<string, string> }) => {
        const p = await client().createPipeline(idArg(project, 'project'), {
          ...(o.ref ? { ref: o.ref } : {}),
          ...(o.var ? { variables: o.var } : {}),
        });
        println(ctx.stdout, formatPipeline(p));
      }),
    );
  ctl
    .command('status')
    .argument('<pipeline>', 'pipeline id')
    .option('--json', 'print JSON')
    .description('show a pipeline and its jobs')
    .action(
      act(async (id: string, o: { json?: boolean }) => {
        const p = await client().pipeline(idArg(id, 'pipeline'));
        if (o.json) json(p);
        else println(ctx.stdout, formatPipeline(p));
      }),
    );
  ctl
    .command('job')
    .argument('<job>', 'job id')
    .description('show a job as JSON')
    .action(act(async (id: string) => json(await client().job(idArg(id, 'job')))));
  ctl
    .command('cancel')
    .argument('<job>', 'job id')
    .option('--force', 'force-cancel (no after_script)')
    .description('cancel a job')
    .action(
      act(async (id: string, o: { force?: boolean }) => {
        const job = await client().cancelJob(idArg(id, 'job'), o.force ? { force: true } : {});
        println(ctx.stdout, `job #${job.id} ${job.name}: ${job.status}`);
      }),
    );
  ctl
    .command('trace')
    .argument('<job>', 'job id')
    .option('--plain', 'strip colours and section markers')
    .description('print a job log')
    .action(
      act(async (id: string, o: { plain?: boolean }) => {
        ctx.stdout.write(await client().trace(idArg(id, 'job'), o.plain ? { plain: true } : {}));
      }),
    );
}
