import { join } from 'node:path';
import type { PathSegment } from './line-index.js';
import type { RawAutoscaler, RawConnector, RawPolicy } from './schema.js';
import type { CompiledAutoscaler, CompiledConnector, CompiledPolicy } from './types.js';
import { DEFAULTS } from './defaults.js';
import {
  durationOr,
  nonEmpty,
  positiveOr,
  reportError,
  reportWarning,
  type CompileContext,
} from './compile-context.js';
import { checkPeriod, isValidTimezone, normalizeTimezone } from './cron-periods.js';
import { providerKindOf } from './provider-kind.js';
import { compileProvider, reportUnknownPlugin } from './compile-provider.js';
import { shortenToken } from './short-token.js';
import { didYouMean } from './suggest.js';
import { whyPolicyCannotServe } from './policy-rules.js';
import { parseDurationMs } from '../platform/durations.js';

export function compileConnector(raw: RawConnector | undefined): CompiledConnector {
  const r = raw ?? {};
  const os = nonEmpty(r.os) as CompiledConnector['os'];
  const protocol = nonEmpty(r.protocol) as CompiledConnector['protocol'] | undefined;
  return {
    os,
    arch: nonEmpty(r.arch) as CompiledConnector['arch'],
    protocol: protocol ?? (os === 'windows' ? 'winrm' : 'ssh'),
    port: r.protocol_port !== undefined && r.protocol_port > 0 ? r.protocol_port : undefined,
    username: nonEmpty(r.username),
    password: nonEmpty(r.password),
    keyPath: nonEmpty(r.key_path),
    useStaticCredentials: r.use_static_credentials ?? false,
    keepaliveMs: durationOr(r.keepalive, DEFAULTS.connectorKeepaliveMs),
    timeoutMs: durationOr(r.timeout, DEFAULTS.connectorTimeoutMs),
    useExternalAddr: r.use_external_addr ?? false,
  };
}

function checkTimezone(ctx: CompileContext, path: PathSegment[], timezone: string): void {
  if (isValidTimezone(timezone)) return;
  const hint = didYouMean(timezone, Intl.supportedValuesOf('timeZone'));
  reportError(
    ctx,
    path,
    `unknown time zone "${timezone}": expected an IANA name such as "Europe/Berlin" or "UTC"` +
      (hint === undefined ? '' : ` (did you mean "${hint}"?)`),
  );
}

export function compilePolicy(
  ctx: CompileContext,
  raw: RawPolicy,
  path: PathSegment[],
): CompiledPolicy {
  const periods = raw.periods && raw.periods.length > 0 ? raw.periods : [...DEFAULTS.policyPeriods];
  periods.forEach((period, i) => {
    const problem = checkPeriod(period);
    if (problem !== undefined) {
      reportError(ctx, [...path, 'periods', i], `invalid cron period "${period}": ${problem}`);
    }
  });
  const timezone = normalizeTimezone(raw.timezone);
  if (timezone !== undefined) checkTimezone(ctx, [...path, 'timezone'], timezone);
  const idleTimeMs = raw.idle_time === undefined ? 0 : parseDurationMs(raw.idle_time);
  if (idleTimeMs < 1000) {
    reportWarning(
      ctx,
      [...path, 'idle_time'],
      `${raw.idle_time === undefined ? 'not set' : 'below 1s'}: gitlab-runner's minimum is 1s; ` +
        'instances become removable as soon as they are idle',
    );
  }
  const idleCount = raw.idle_count ?? 0;
  const preemptiveMode = raw.preemptive_mode ?? idleCount > 0;
  const unserved = whyPolicyCannotServe({ idleCount, preemptiveMode });
  if (unserved !== undefined) reportError(ctx, [...path, 'preemptive_mode'], unserved);
  return {
    periods,
    timezone,
    idleCount,
    idleTimeMs,
    scaleFactor: raw.scale_factor ?? 0,
    scaleFactorLimit: raw.scale_factor_limit ?? 0,
    preemptiveMode,
    line: ctx.index.exactLine(path),
  };
}

function compileThrottle(
  raw: RawAutoscaler['scale_throttle'],
  maxInstances: number,
): { limit: number; burst: number } {
  const rawLimit = raw?.limit ?? 0;
  const limit = rawLimit < 0 ? -1 : rawLimit === 0 ? DEFAULTS.scaleThrottleLimitPerSec : rawLimit;
  if (raw?.burst !== undefined && raw.burst > 0) return { limit, burst: raw.burst };
  if (limit === -1) return { limit, burst: 0 };
  return { limit, burst: maxInstances > 0 ? maxInstances : Math.ceil(limit) };
}

/** `[runners.autoscaler]` → CompiledAutoscaler; undefined when `plugin` is missing. */
export function compileAutoscaler(
  ctx: CompileContext,
  raw: RawAutoscaler,
  runnerPath: PathSegment[],
  token: string,
): CompiledAutoscaler | undefined {
  const path = [...runnerPath, 'autoscaler'];
  const plugin = nonEmpty(raw.plugin?.trim());
  if (plugin === undefined) {
    reportError(ctx, [...path, 'plugin'], 'required: the fleeting plugin to use, e.g. "aws"');
    return undefined;
  }
  const providerKind = providerKindOf(plugin);
  if (providerKind === 'unknown') {
    reportUnknownPlugin(ctx, [...path, 'plugin'], plugin);
    return undefined;
  }
  const pluginConfig = raw.plugin_config ?? {};
  const connector = compileConnector(raw.connector_config);
  const provider = compileProvider(ctx, providerKind, pluginConfig, connector, {
    pluginConfig: [...path, 'plugin_config'],
    connector: [...path, 'connector_config'],
  });
  if (provider === undefined) return undefined;
  const maxInstances = raw.max_instances ?? 0;
  const throttle = compileThrottle(raw.scale_throttle, maxInstances);
  const storage = raw.state_storage ?? {};
  return {
    plugin,
    providerKind,
    pluginConfig,
    provider,
    connector,
    capacityPerInstance: positiveOr(raw.capacity_per_instance, DEFAULTS.capacityPerInstance),
    maxUseCount: raw.max_use_count ?? 0,
    maxInstances,
    instanceReadyCommand: nonEmpty(raw.instance_ready_command),
    instanceAcquireTimeoutMs: durationOr(
      raw.instance_acquire_timeout,
      DEFAULTS.instanceAcquireTimeoutMs,
    ),
    updateIntervalMs: durationOr(raw.update_interval, DEFAULTS.updateIntervalMs),
    updateIntervalWhenExpectingMs: durationOr(
      raw.update_interval_when_expecting,
      DEFAULTS.updateIntervalWhenExpectingMs,
    ),
    deletionRetryIntervalMs: durationOr(
      raw.deletion_retry_interval,
      DEFAULTS.deletionRetryIntervalMs,
    ),
    shutdownDeletionIntervalMs: durationOr(
      raw.shutdown_deletion_interval,
      DEFAULTS.shutdownDeletionIntervalMs,
    ),
    shutdownDeletionRetries: positiveOr(
      raw.shutdown_deletion_retries,
      DEFAULTS.shutdownDeletionRetries,
    ),
    failureThreshold: positiveOr(raw.failure_threshold, DEFAULTS.failureThreshold),
    deleteInstancesOnShutdown: raw.delete_instances_on_shutdown ?? false,
    reservationThrottling: raw.reservation_throttling ?? DEFAULTS.reservationThrottling,
    scaleThrottleLimitPerSec: throttle.limit,
    scaleThrottleBurst: throttle.burst,
    stateStorage: {
      enabled: storage.enabled ?? false,
      dir:
        nonEmpty(storage.dir) ??
        (token === '' ? undefined : join(ctx.dir, '.taskscaler', shortenToken(token))),
      keepInstanceWithAcquisitions: storage.keep_instance_with_acquisitions ?? false,
    },
    policies: (raw.policy ?? []).map((p, i) => compilePolicy(ctx, p, [...path, 'policy', i])),
  };
}
