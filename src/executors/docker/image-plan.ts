/**
 * The images one job needs — build image, helper image, one per service — with their pull
 * policies and registry credentials, decided before anything is created on the instance.
 * Configuration problems (no image, a disallowed pull policy) are runner_configuration_error.
 */
import type { CompiledDocker } from '../../config/types.js';
import type { JobImage, JobPayload } from '../../gitlab/job-payload.js';
import type { VariableSet } from '../script/job-variables.js';
import { DockerJobError } from './docker-errors.js';
import type { ImageRequest } from './image-puller.js';
import { resolvePullPolicies, type PullPolicy } from './pull-policy.js';
import { resolveRegistryAuth } from './registry-auth.js';

/** The helper image used when `[runners.docker] helper_image` is not set. */
export const DEFAULT_HELPER_IMAGE = 'spotrunner-helper:latest';

export interface ImagePlan {
  build: ImageRequest;
  helper: ImageRequest;
  /** In `job.services` order. */
  services: ImageRequest[];
  /** Problems worth a trace warning (unusable DOCKER_AUTH_CONFIG entries). */
  warnings: string[];
}

export function planImages(
  job: JobPayload,
  vars: VariableSet,
  docker: CompiledDocker,
  helperImage: string | undefined,
): ImagePlan {
  const warnings: string[] = [];
  const buildName = vars.expand(job.image?.name ?? '').trim() || docker.image.trim();
  if (buildName === '') {
    throw new DockerJobError(
      'runner_configuration_error',
      'no Docker image specified to run the build in: set image in .gitlab-ci.yml or [runners.docker] image',
    );
  }
  const request = (name: string, image: JobImage | undefined): ImageRequest => {
    const platform = image?.executor_opts?.docker?.platform ?? undefined;
    const lookup = resolveRegistryAuth(name, {
      dockerAuthConfig: vars.value('DOCKER_AUTH_CONFIG'),
      credentials: job.credentials,
    });
    warnings.push(...lookup.warnings);
    return {
      name,
      policies: policiesFor(image?.pull_policy ?? [], docker),
      ...(lookup.found ? { auth: lookup.found } : {}),
      ...(platform ? { platform } : {}),
    };
  };
  const build = request(buildName, job.image);
  const services = job.services.map((s) => request(vars.expand(s.name).trim(), s));
  // The helper image ships with spotrunner (or is built on the instance's image): it is used
  // when present and pulled only when missing, whatever the job's policy.
  const helperName = helperImage?.trim() || DEFAULT_HELPER_IMAGE;
  const helper: ImageRequest = { ...request(helperName, undefined), policies: ['if-not-present'] };
  return { build, helper, services, warnings: [...new Set(warnings)] };
}

function policiesFor(jobPolicies: readonly string[], docker: CompiledDocker): PullPolicy[] {
  const decision = resolvePullPolicies(jobPolicies, docker);
  if ('error' in decision) {
    throw new DockerJobError('runner_configuration_error', decision.error);
  }
  return decision.policies;
}
