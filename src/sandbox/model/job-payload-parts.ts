/** Payload fragments: image/services, artifacts, cache, steps and hooks (protocol §2.4). */
import type { CiArtifacts, CiCache, CiImage, CiJob, CiService } from '../ci/ci-config.js';
import { reportDefaultName, reportFormat } from './report-types.js';

function executorOpts(image: CiImage): Record<string, unknown> {
  const docker: Record<string, unknown> = {};
  if (image.dockerPlatform !== undefined) docker.platform = image.dockerPlatform;
  if (image.dockerUser !== undefined) docker.user = image.dockerUser;
  return Object.keys(docker).length > 0 ? { docker } : {};
}

export function imagePayload(image: CiImage | undefined): Record<string, unknown> | null {
  if (!image) return null;
  return {
    name: image.name,
    entrypoint: image.entrypoint ?? null,
    ports: [],
    executor_opts: executorOpts(image),
    pull_policy: image.pullPolicy ?? null,
  };
}

export function servicePayload(service: CiService): Record<string, unknown> {
  return {
    ...imagePayload(service),
    alias: service.alias ?? null,
    command: service.command ?? null,
    variables: service.variables ?? null,
  };
}

export function artifactsPayload(
  artifacts: CiArtifacts | undefined,
  features: Record<string, unknown>,
): Record<string, unknown>[] | null {
  if (!artifacts) return null;
  const out: Record<string, unknown>[] = [];
  if (artifacts.paths.length > 0 || artifacts.untracked !== undefined) {
    const entry: Record<string, unknown> = { name: artifacts.name ?? null };
    if (artifacts.untracked !== undefined) entry.untracked = artifacts.untracked;
    entry.paths = artifacts.paths;
    if (artifacts.exclude.length > 0 && features.artifacts_exclude === true)
      entry.exclude = artifacts.exclude;
    Object.assign(entry, {
      when: artifacts.when,
      expire_in: artifacts.expireIn ?? null,
      artifact_type: 'archive',
      artifact_format: 'zip',
    });
    out.push(entry);
  }
  for (const report of artifacts.reports) {
    out.push({
      name: reportDefaultName(report.type),
      paths: report.paths,
      when: 'always',
      expire_in: artifacts.expireIn ?? null,
      artifact_type: report.type,
      artifact_format: reportFormat(report.type),
    });
  }
  return out.length > 0 ? out : null;
}

/** Cache entries; keys get Rails' `-protected`/`-non_protected` suffix (separate caches on). */
export function cachePayload(
  caches: readonly CiCache[],
  protectedRef: boolean,
): Record<string, unknown>[] {
  const suffix = protectedRef ? '-protected' : '-non_protected';
  return caches.map((cache) => ({
    key: `${cache.key.kind === 'literal' ? cache.key.value : 'default'}${suffix}`,
    untracked: cache.untracked,
    paths: cache.paths,
    policy: cache.policy,
    when: cache.when,
    fallback_keys: cache.fallbackKeys.map((k) => `${k}${suffix}`),
  }));
}

export function stepsPayload(spec: CiJob, timeoutS: number): Record<string, unknown>[] {
  const steps: Record<string, unknown>[] = [
    {
      name: 'script',
      script: [...spec.beforeScript, ...spec.script],
      timeout: timeoutS,
      when: 'on_success',
      allow_failure: false,
    },
  ];
  if (spec.afterScript.length > 0) {
    steps.push({
      name: 'after_script',
      script: spec.afterScript,
      timeout: timeoutS,
      when: 'always',
      allow_failure: true,
    });
  }
  return steps;
}

export function hooksPayload(spec: CiJob): Record<string, unknown>[] {
  const hooks: Record<string, unknown>[] = [];
  if (spec.preGetSourcesScript.length > 0)
    hooks.push({ name: 'pre_get_sources_script', script: spec.preGetSourcesScript });
  if (spec.postGetSourcesScript.length > 0) {
    hooks.push({ name: 'post_get_sources_script', script: spec.postGetSourcesScript });
  }
  return hooks;
}
