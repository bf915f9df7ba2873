/**
 * What a Docker job needs decided before anything runs: the script context laid out as
 * gitlab-runner's docker executor does (`/builds/<namespace>/<project>`, `/cache`, a
 * disposable environment), and the environment settings — images with pull policies and
 * credentials, services, mounts, user, entrypoint — for DockerJobEnvironment.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { CompiledDocker } from '../../config/types.js';
import type { ExecutionContext } from '../executor.js';
import { shortenToken } from '../script/build-layout.js';
import { createScriptContext, type ScriptContext } from '../script/script-context.js';
import { defaultDockerConfig, type JobIdentity } from './container-config.js';
import { planImages } from './image-plan.js';
import type { EnvironmentSettings } from './job-environment.js';
import { serviceSpecs } from './services.js';

export const CONTAINER_BUILDS_DIR = '/builds';
export const CONTAINER_CACHE_DIR = '/cache';

export interface DockerSetupOptions {
  version: string;
  revision: string;
  /** Helper image when `[runners.docker] helper_image` is unset (default spotrunner-helper:latest). */
  helperImage?: string;
  helperShell: string[];
  waitForServicesMs: number;
  /** The manager's system id, labelled on every job resource. */
  managerId?: string;
}

export interface DockerJobSetup {
  sc: ScriptContext;
  environment: EnvironmentSettings;
  /** For the trace. */
  warnings: string[];
}

/** Paths inside containers must be absolute; a relative runner setting falls back to the default. */
function containerPath(value: string | undefined, fallback: string): string {
  return value !== undefined && value.startsWith('/') ? value.replace(/\/+$/, '') || '/' : fallback;
}

export function dockerConfigOf(ctx: ExecutionContext): CompiledDocker {
  return ctx.runner.docker ?? defaultDockerConfig();
}

/**
 * gitlab-runner's IsHostMountedVolume: a `source:destination` entry of `[runners.docker]
 * volumes` at the builds dir or above it makes the builds dir outlive the job and be shared by
 * concurrent jobs, so it gets the shared layout (`<short token>/<concurrent project id>/…`).
 */
export function isSharedBuildsDir(buildsDir: string, volumes: readonly string[]): boolean {
  const dir = posix.normalize(buildsDir);
  return volumes.some((raw) => {
    const parts = raw.trim().split(':');
    const target = parts.length >= 2 ? parts[1] : undefined;
    if (!target?.startsWith('/')) return false;
    const mount = posix.normalize(target).replace(/\/+$/, '') || '/';
    return dir === mount || dir.startsWith(mount === '/' ? '/' : `${mount}/`);
  });
}

export function createDockerScriptContext(
  ctx: ExecutionContext,
  options: Pick<DockerSetupOptions, 'version' | 'revision'>,
): ScriptContext {
  const buildsDir = containerPath(ctx.runner.buildsDir, CONTAINER_BUILDS_DIR);
  return createScriptContext({
    job: ctx.job,
    runner: ctx.runner,
    gitlabUrl: ctx.gitlabUrl,
    layout: {
      buildsDir,
      cacheDir: containerPath(ctx.runner.cacheDir, CONTAINER_CACHE_DIR),
      sharedBuildsDir: isSharedBuildsDir(buildsDir, dockerConfigOf(ctx).volumes),
      shortToken: shortenToken(ctx.runner.token),
      concurrentId: ctx.concurrency.id,
      concurrentProjectId: ctx.concurrency.projectId,
    },
    // gitlab-runner enables custom build dirs by default for the docker executors.
    customBuildDir: ctx.runner.customBuildDirEnabled ?? true,
    predefined: {
      jobTimeoutSeconds: ctx.job.runner_info.timeout,
      sharedEnvironment: false,
      runnerVersion: options.version,
      runnerRevision: options.revision,
      arch: ctx.instance.arch,
    },
  });
}

/** Throws DockerJobError (runner_configuration_error) for a job this runner cannot run. */
export function planDockerEnvironment(
  ctx: ExecutionContext,
  sc: ScriptContext,
  options: DockerSetupOptions,
): DockerJobSetup {
  const config = dockerConfigOf(ctx);
  const images = planImages(ctx.job, sc.vars, config, config.helperImage ?? options.helperImage);
  const runId = randomBytes(4).toString('hex');
  const identity: JobIdentity = {
    jobId: ctx.job.id,
    runId,
    prefix: `spotrunner-job-${ctx.job.id}-${runId}`,
    shortToken: sc.layout.shortToken,
    projectId: ctx.job.job_info.project_id,
    concurrentProjectId: ctx.concurrency.projectId,
    ...(options.managerId ? { managerId: options.managerId } : {}),
  };
  const warnings = [...images.warnings];
  const entrypoint = ctx.job.image?.entrypoint;
  if (entrypoint && config.disableEntrypointOverwrite) {
    warnings.push('Entrypoint override disabled');
  }
  const user = ctx.job.image?.executor_opts?.docker?.user ?? config.user;
  const environment: EnvironmentSettings = {
    config,
    identity,
    images,
    services: serviceSpecs(ctx.job, sc.vars),
    buildsDir: sc.layout.buildsDir,
    ...(user ? { user } : {}),
    ...(entrypoint && !config.disableEntrypointOverwrite ? { entrypoint } : {}),
    helperShell: options.helperShell,
    waitForServicesMs: options.waitForServicesMs,
  };
  return { sc, environment, warnings };
}
