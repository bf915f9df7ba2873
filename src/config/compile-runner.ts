import type { PathSegment } from './line-index.js';
import type { RawRunner } from './schema.js';
import type { CompiledRunner, ExecutorName } from './types.js';
import { DEFAULTS, OTHER_GITLAB_EXECUTORS, SUPPORTED_EXECUTORS } from './defaults.js';
import {
  durationOr,
  nonEmpty,
  positiveOr,
  reportError,
  reportWarning,
  type CompileContext,
} from './compile-context.js';
import { compileAutoscaler, compileConnector } from './compile-autoscaler.js';
import { compileCache, compileDocker } from './compile-docker-cache.js';
import { compileSpotrunner } from './compile-spotrunner.js';
import { compileAutoscaledFleet, compileSelfFleet } from './compile-fleet.js';
import { didYouMean } from './suggest.js';

/** A TOML date-time (or RFC 3339 string) in ms; Go's zero time `0001-01-01T00:00:00Z` is "none". */
function toTimeMs(value: Date | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : Date.parse(value);
  // Year 1 (Go's zero time.Time) and earlier mean "not set".
  return new Date(ms).getUTCFullYear() <= 1 ? undefined : ms;
}

function checkExecutor(
  ctx: CompileContext,
  raw: string | undefined,
  path: PathSegment[],
): ExecutorName | undefined {
  const executor = nonEmpty(raw?.trim());
  const supported = SUPPORTED_EXECUTORS.join(', ');
  if (executor === undefined) {
    reportError(ctx, path, `required: one of ${supported}`);
  } else if ((SUPPORTED_EXECUTORS as readonly string[]).includes(executor)) {
    return executor as ExecutorName;
  } else if ((OTHER_GITLAB_EXECUTORS as readonly string[]).includes(executor)) {
    reportError(
      ctx,
      path,
      `"${executor}" is a gitlab-runner executor spotrunner does not run; use ${supported}`,
    );
  } else {
    const hint = didYouMean(executor, [...SUPPORTED_EXECUTORS, ...OTHER_GITLAB_EXECUTORS]);
    reportError(
      ctx,
      path,
      `unknown executor "${executor}"${hint === undefined ? '' : ` (did you mean "${hint}"?)`}; use ${supported}`,
    );
  }
  return undefined;
}

function script(
  ctx: CompileContext,
  raw: RawRunner,
  path: PathSegment[],
  key: 'pre_get_sources_script' | 'post_get_sources_script',
  deprecated: 'pre_clone_script' | 'post_clone_script',
): string | undefined {
  const old = nonEmpty(raw[deprecated]);
  if (old !== undefined) {
    reportWarning(
      ctx,
      [...path, deprecated],
      `deprecated in gitlab-runner: use ${key} (used as ${key} when that is unset)`,
    );
  }
  return nonEmpty(raw[key]) ?? old;
}

/** Whether `text` is an http(s) URL with a host, as GitLab's address must be. */
export function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

function checkCredentials(ctx: CompileContext, raw: RawRunner, path: PathSegment[]): void {
  for (const key of ['url', 'token'] as const) {
    if (nonEmpty(raw[key]) === undefined) {
      reportWarning(
        ctx,
        [...path, key],
        'missing: gitlab-runner loads such an entry but cannot request jobs with it; ' +
          'set it, or run "spotrunner register"',
      );
    }
  }
  for (const key of ['url', 'clone_url'] as const) {
    const url = nonEmpty(raw[key]);
    if (url !== undefined && !isHttpUrl(url)) {
      reportError(
        ctx,
        [...path, key],
        `expected an http:// or https:// URL such as "https://gitlab.com", got "${url}"`,
      );
    }
  }
  for (const entry of raw.environment ?? []) {
    if (!entry.includes('=')) {
      reportWarning(
        ctx,
        [...path, 'environment'],
        `"${entry}" is not NAME=value: gitlab-runner ignores it`,
      );
    }
  }
}

/** One `[[runners]]` entry; undefined when it cannot be compiled (errors were reported). */
export function compileRunner(
  ctx: CompileContext,
  raw: RawRunner,
  index: number,
  concurrent: number,
): CompiledRunner | undefined {
  const path: PathSegment[] = ['runners', index];
  const executor = checkExecutor(ctx, raw.executor, [...path, 'executor']);
  checkCredentials(ctx, raw, path);
  const token = raw.token ?? '';
  const autoscaled = executor === 'instance' || executor === 'docker-autoscaler';
  const usesDocker = executor === 'docker' || executor === 'docker-autoscaler';
  if (autoscaled && raw.autoscaler === undefined) {
    reportError(ctx, path, `[runners.autoscaler] is required for executor "${executor}"`);
  }
  if (executor !== undefined && !autoscaled && raw.autoscaler !== undefined) {
    reportWarning(
      ctx,
      [...path, 'autoscaler'],
      `used only by the instance and docker-autoscaler executors: ignored`,
    );
  }
  if (executor !== undefined && !usesDocker && raw.docker !== undefined) {
    reportWarning(
      ctx,
      [...path, 'docker'],
      `used only by the docker and docker-autoscaler executors: ignored`,
    );
  }
  const autoscaler =
    autoscaled && raw.autoscaler ? compileAutoscaler(ctx, raw.autoscaler, path, token) : undefined;
  const docker = usesDocker ? compileDocker(ctx, raw.docker, path) : undefined;
  const cache = compileCache(ctx, raw.cache, path);
  const spotrunner = compileSpotrunner(
    ctx,
    raw.spotrunner,
    path,
    autoscaler?.connector ?? compileConnector(raw.autoscaler?.connector_config),
  );
  if (executor === undefined || (autoscaled && autoscaler === undefined)) return undefined;
  const windows = autoscaler?.connector.os === 'windows';
  const limit = raw.limit ?? 0;
  const fleet = autoscaler
    ? compileAutoscaledFleet(autoscaler, spotrunner.instanceStartTimeoutMs)
    : compileSelfFleet(limit > 0 ? limit : concurrent, spotrunner.instanceStartTimeoutMs);
  return {
    index,
    line: ctx.index.exactLine(path),
    name: raw.name ?? '',
    id: raw.id !== undefined && raw.id > 0 ? raw.id : undefined,
    url: raw.url ?? '',
    token,
    tlsCaFile: nonEmpty(raw['tls-ca-file']),
    tlsCertFile: nonEmpty(raw['tls-cert-file']),
    tlsKeyFile: nonEmpty(raw['tls-key-file']),
    tokenObtainedAtMs: toTimeMs(raw.token_obtained_at),
    tokenExpiresAtMs: toTimeMs(raw.token_expires_at),
    executor,
    limit,
    requestConcurrency: positiveOr(raw.request_concurrency, DEFAULTS.requestConcurrency),
    unhealthyRequestsLimit: positiveOr(
      raw.unhealthy_requests_limit,
      DEFAULTS.unhealthyRequestsLimit,
    ),
    unhealthyIntervalMs: durationOr(raw.unhealthy_interval, DEFAULTS.unhealthyIntervalMs),
    outputLimitBytes: positiveOr(raw.output_limit, DEFAULTS.outputLimitKiB) * 1024,
    environment: raw.environment ?? [],
    shell: nonEmpty(raw.shell) ?? (windows ? 'pwsh' : DEFAULTS.shell),
    buildsDir: nonEmpty(raw.builds_dir),
    cacheDir: nonEmpty(raw.cache_dir),
    preGetSourcesScript: script(ctx, raw, path, 'pre_get_sources_script', 'pre_clone_script'),
    postGetSourcesScript: script(ctx, raw, path, 'post_get_sources_script', 'post_clone_script'),
    preBuildScript: nonEmpty(raw.pre_build_script),
    postBuildScript: nonEmpty(raw.post_build_script),
    cloneUrl: nonEmpty(raw.clone_url),
    debugTraceDisabled: raw.debug_trace_disabled ?? false,
    ...(raw.custom_build_dir?.enabled !== undefined
      ? { customBuildDirEnabled: raw.custom_build_dir.enabled }
      : {}),
    cache,
    docker,
    autoscaler,
    fleet,
    spotrunner,
  };
}
