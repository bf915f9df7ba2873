/**
 * `plugin_config` (of `[runners.autoscaler]` or `[runners.spotrunner.fallback]`) and the
 * runner's `connector_config`, validated by the provider's own schema when the file loads:
 * every problem is a file:line error naming the key, with a "did you mean" for unknown keys.
 */
import type { z } from 'zod';
import type { PathSegment } from './line-index.js';
import type { CompiledConnector } from './types.js';
import type { CompiledProvider, ProviderKind } from './provider-types.js';
import { reportError, type CompileContext } from './compile-context.js';
import { didYouMean } from './suggest.js';
import { describeValue, valueAt } from './zod-issues.js';
import { awsPluginConfigSchema, awsPluginConfigShape } from './plugin-config/aws.js';
import { localPluginConfigSchema, localPluginConfigShape } from './plugin-config/local.js';
import { staticHostSchema, staticPluginConfigSchema } from './plugin-config/static.js';
import { simPluginConfigSchema } from './plugin-config/sim.js';

/** The keys each plugin takes, by table inside plugin_config ('' = plugin_config itself). */
const KNOWN_KEYS: Record<ProviderKind, Record<string, readonly string[]>> = {
  aws: { '': Object.keys(awsPluginConfigShape) },
  local: { '': Object.keys(localPluginConfigShape) },
  static: { '': ['hosts'], hosts: Object.keys(staticHostSchema.shape) },
  sim: { '': ['region'] },
};

/** Where the provider's settings are: `…plugin_config` and the runner's `connector_config`. */
export interface ProviderPaths {
  pluginConfig: PathSegment[];
  connector: PathSegment[];
}

function tableName(path: readonly PropertyKey[]): string {
  return path.filter((p): p is string => typeof p === 'string').join('.');
}

function reportIssue(
  ctx: CompileContext,
  kind: ProviderKind,
  raw: Readonly<Record<string, unknown>>,
  base: PathSegment[],
  issue: z.core.$ZodIssue,
): void {
  const rel = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const table = tableName(rel);
    const label = table === '' ? 'plugin_config' : `plugin_config.${table}`;
    const known = KNOWN_KEYS[kind][table] ?? [];
    for (const key of issue.keys) {
      const hint = didYouMean(key, known);
      const tail = hint === undefined ? `it takes ${known.join(', ')}` : `did you mean "${hint}"?`;
      reportError(
        ctx,
        [...base, ...rel, key],
        `unknown key "${key}" in ${label} for the ${kind} plugin: ${tail}`,
      );
    }
    return;
  }
  const value = valueAt(raw, rel);
  const last = rel[rel.length - 1];
  const got =
    value === undefined || issue.code === 'custom'
      ? ''
      : `, got ${describeValue(value, typeof last === 'string' ? last : '')}`;
  const message =
    issue.code === 'invalid_type' && value === undefined && !issue.message.startsWith('required')
      ? 'required'
      : issue.message;
  reportError(ctx, [...base, ...rel], `${message}${got}`);
}

const PLUGINS = ['aws', 'static', 'local', 'sim'] as const;

/** An error for a plugin spotrunner cannot drive, with a hint when it looks like a typo. */
export function reportUnknownPlugin(
  ctx: CompileContext,
  path: PathSegment[],
  plugin: string,
): undefined {
  const name = plugin.replace(/^.*[/\\]/, '').replace(/[:@].*$/, '');
  const hint = didYouMean(name.replace(/^fleeting-plugin-/, ''), PLUGINS);
  reportError(
    ctx,
    path,
    `plugin "${plugin}" is not one spotrunner can drive: use aws, static, local or sim` +
      (hint === undefined ? '' : ` (did you mean "${hint}"?)`),
  );
  return undefined;
}

/** The protocol and credentials each provider can work with. */
function checkConnector(
  ctx: CompileContext,
  kind: ProviderKind,
  connector: CompiledConnector,
  path: PathSegment[],
): boolean {
  if ((kind === 'aws' || kind === 'static') && connector.protocol !== 'ssh') {
    reportError(
      ctx,
      [...path, 'protocol'],
      `the ${kind} provider connects over ssh only, got "${connector.protocol}"`,
    );
    return false;
  }
  if (
    kind === 'aws' &&
    connector.useStaticCredentials &&
    connector.keyPath === undefined &&
    connector.password === undefined
  ) {
    reportError(
      ctx,
      [...path, 'key_path'],
      'required when use_static_credentials = true (the key the instances accept)',
    );
    return false;
  }
  return true;
}

type Parsed = { provider: CompiledProvider } | { issues: readonly z.core.$ZodIssue[] };

function wrap<T>(result: z.ZodSafeParseResult<T>, make: (data: T) => CompiledProvider): Parsed {
  return result.success ? { provider: make(result.data) } : { issues: result.error.issues };
}

function parsePluginConfig(
  kind: ProviderKind,
  raw: Readonly<Record<string, unknown>>,
  ctx: CompileContext,
  connector: CompiledConnector,
): Parsed {
  switch (kind) {
    case 'aws':
      return wrap(awsPluginConfigSchema.safeParse(raw), (aws) => ({ kind, aws }));
    case 'local':
      return wrap(localPluginConfigSchema(ctx.dir).safeParse(raw), (local) => ({ kind, local }));
    case 'static':
      return wrap(staticPluginConfigSchema(ctx.dir, connector).safeParse(raw), (s) => ({
        kind,
        static: s,
      }));
    case 'sim':
      return wrap(simPluginConfigSchema.safeParse(raw), (sim) => ({ kind, sim }));
  }
}

/** The provider with its compiled plugin_config; undefined (and errors reported) when invalid. */
export function compileProvider(
  ctx: CompileContext,
  kind: ProviderKind,
  pluginConfig: Readonly<Record<string, unknown>>,
  connector: CompiledConnector,
  paths: ProviderPaths,
): CompiledProvider | undefined {
  const connectorOk = checkConnector(ctx, kind, connector, paths.connector);
  const parsed = parsePluginConfig(kind, pluginConfig, ctx, connector);
  if ('issues' in parsed) {
    for (const issue of parsed.issues) {
      reportIssue(ctx, kind, pluginConfig, paths.pluginConfig, issue);
    }
    return undefined;
  }
  return connectorOk ? parsed.provider : undefined;
}
