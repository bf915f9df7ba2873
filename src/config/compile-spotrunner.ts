import type { PathSegment } from './line-index.js';
import type { RawSpotrunner } from './schema.js';
import type { CompiledSpotrunnerOptions } from './types.js';
import { DEFAULTS } from './defaults.js';
import {
  durationOr,
  nonEmpty,
  reportError,
  reportWarning,
  type CompileContext,
} from './compile-context.js';
import { providerKindOf } from './provider-kind.js';

/** `[runners.spotrunner]` (documented in schema.ts) → CompiledSpotrunnerOptions with defaults. */
export function compileSpotrunner(
  ctx: CompileContext,
  raw: RawSpotrunner | undefined,
  runnerPath: PathSegment[],
): CompiledSpotrunnerOptions {
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
      if (providerKind === 'unknown') {
        reportWarning(
          ctx,
          [...path, 'fallback', 'plugin'],
          `plugin "${plugin}" is not one spotrunner can drive (aws, static, local, sim): no fallback`,
        );
      }
      const afterMs = durationOr(r.fallback.after, DEFAULTS.fallbackAfterMs);
      fallback = {
        plugin,
        providerKind,
        pluginConfig: r.fallback.plugin_config ?? {},
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
  };
}
