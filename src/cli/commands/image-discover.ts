/** What `image discover` and `image bake` share: the discovery flags and how they are read. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parseAllowlist, type AllowlistEntry } from '../../images/allowlist.js';
import { discoverImages, type DiscoveryResult } from '../../images/discover-images.js';
import { UserError } from '../../platform/errors.js';
import { println, type CliContext } from '../cli-context.js';
import { collectInput, parseInputFlags } from '../input-flags.js';

export interface DiscoverFlags {
  allowlist?: string;
  ciFile?: string;
  var?: Record<string, string>;
  input?: string[];
}

/** Collects repeated `--var KEY=VALUE` into a map. */
export function collectVariable(
  text: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const eq = text.indexOf('=');
  const key = eq > 0 ? text.slice(0, eq) : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
    throw new UserError(`--var expects KEY=VALUE with a variable name as KEY, got "${text}"`);
  return { ...previous, [key]: text.slice(eq + 1) };
}

async function readAllowlist(ctx: CliContext, file: string | undefined): Promise<AllowlistEntry[]> {
  if (file === undefined) return [];
  const path = resolve(ctx.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err: unknown) {
    throw new UserError(`cannot read allowlist ${file}: ${(err as Error).message}`, 'not_found');
  }
  return parseAllowlist(text, file);
}

/** Runs discovery for a command; warnings and unresolved names go to stderr. */
export async function discoverForCli(
  ctx: CliContext,
  dir: string | undefined,
  flags: DiscoverFlags,
): Promise<DiscoveryResult> {
  const result = await discoverImages({
    projectDir: resolve(ctx.cwd, dir ?? '.'),
    allowlist: await readAllowlist(ctx, flags.allowlist),
    ...(flags.ciFile ? { ciFile: flags.ciFile } : {}),
    ...(flags.var ? { variables: flags.var } : {}),
    ...(flags.input ? { inputs: parseInputFlags(flags.input) } : {}),
  });
  for (const warning of result.warnings) println(ctx.stderr, `warning: ${warning}`);
  for (const u of result.unresolved)
    println(
      ctx.stderr,
      `warning: ${u.source}: ${u.name} needs ${u.missing.map((m) => `$${m}`).join(', ') || 'a name'} (give --var or list the image in the allowlist); not included`,
    );
  return result;
}

export function addDiscoverFlags(command: Command): Command {
  return command
    .option('--allowlist <file>', 'more images, one per line (# comments)')
    .option('--ci-file <path>', 'the CI file inside the project', '.gitlab-ci.yml')
    .option('--var <KEY=VALUE>', 'a project variable (repeatable)', collectVariable)
    .option(
      '--input <name=value>',
      "a value for the CI file's spec:inputs (repeatable), as `sandbox --input`",
      collectInput,
    );
}
