import type { PathSegment } from './line-index.js';
import type { RawSpotrunner } from './schema.js';
import type { CompiledConnector, CompiledSpotrunnerOptions } from './types.js';
import { DEFAULTS } from './defaults.js';
import {
  durationOr,
  nonEmpty,
  reportError,
  reportWarning,
  type CompileContext,
} from './compile-context.js';
import { providerKindOf } from './provider-kind.js';
import { compileProvider, reportUnknownPlugin } from './compile-provider.js';

/** `[runners.spotrunner]` (documented in schema.ts) → CompiledSpotrunnerOptions with defaults. */
export function compileSpotrunner(
  ctx: CompileContext,
  raw: RawSpotrunner | undefined,
  runnerPath: PathSegment[],
  connector: CompiledConnector,
): CompiledSpotrunnerOptions {
  const connectorPath = [...runnerPath, 'autoscaler', 'connector_config'];
  const r = raw ?? {};
  const path = [...runnerPath, 'spotrunner'];
  let fallback: CompiledSpotrunnerOptions['fallback'];
  if (r.fallback !== undefined) {
    const plugin = nonEmpty(r.fallback.plugin?.trim());
    if (plugin === undefined) {
      reportError(
        ctx,
        [...path, 'fallback', 'plugin'],
        'required: the plugin of the fallback group, e.g. "aws"',
      );
    } else {
      const providerKind = providerKindOf(plugin);
      const pluginConfig = r.fallback.plugin_config ?? {};
      const provider =
        providerKind === 'unknown'
          ? reportUnknownPlugin(ctx, [...path, 'fallback', 'plugin'], plugin)
          : compileProvider(ctx, providerKind, pluginConfig, connector, {
              pluginConfig: [...path, 'fallback', 'plugin_config'],
              connector: [...connectorPath],
            });
      const afterMs = durationOr(r.fallback.after, DEFAULTS.fallbackAfterMs);
      fallback = provider && {
        plugin,
        providerKind: provider.kind,
        pluginConfig,
        provider,
        afterMs,
        probeIntervalMs: durationOr(
          r.fallback.probe_interval,
          Math.max(afterMs, DEFAULTS.fallbackProbeIntervalMinMs),
        ),
      };
    }
  }
  if (r.rerun_on_fallback === true && fallback === undefined) {
    reportWarning(
      ctx,
      [...path, 'rerun_on_fallback'],
      'has no effect without [runners.spotrunner.fallback]',
    );
  }
  return {
    interruptionMode: r.interruption_mode ?? DEFAULTS.interruptionMode,
    maxReruns: r.max_reruns ?? DEFAULTS.maxReruns,
    rerunOnFallback: r.rerun_on_fallback ?? DEFAULTS.rerunOnFallback,
    fallback,
    instanceType: nonEmpty(r.instance_type),
    stateFile: nonEmpty(r.state_file),
    orphanGraceMs: durationOr(r.orphan_grace, DEFAULTS.orphanGraceMs),
    instanceStartTimeoutMs: durationOr(r.instance_start_timeout, DEFAULTS.instanceStartTimeoutMs),
    awsSetup: r.aws_setup,
  };
}
