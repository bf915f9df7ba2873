/**
 * The script context of a job on an instance: a shared builds dir
 * (`<builds_dir>/<short token>/<concurrent project id>/<namespace>/<project>`) and a shared
 * environment, as gitlab-runner's shell executor lays them out. GIT_CLONE_PATH is allowed only
 * with `[runners.custom_build_dir] enabled = true` (gitlab-runner's default for these executors).
 */
import type { ExecutionContext } from '../executor.js';
import { shortenToken } from '../script/build-layout.js';
import { createScriptContext, type ScriptContext } from '../script/script-context.js';

export interface InstanceScriptOptions {
  buildsDir: string;
  cacheDir: string;
  version: string;
  revision: string;
}

export function createInstanceScriptContext(
  ctx: ExecutionContext,
  options: InstanceScriptOptions,
): ScriptContext {
  return createScriptContext({
    job: ctx.job,
    runner: ctx.runner,
    gitlabUrl: ctx.gitlabUrl,
    layout: {
      buildsDir: options.buildsDir,
      cacheDir: options.cacheDir,
      sharedBuildsDir: true,
      shortToken: shortenToken(ctx.runner.token),
      concurrentId: ctx.concurrency.id,
      concurrentProjectId: ctx.concurrency.projectId,
    },
    customBuildDir: ctx.runner.customBuildDirEnabled ?? false,
    predefined: {
      jobTimeoutSeconds: ctx.job.runner_info.timeout,
      sharedEnvironment: true,
      runnerVersion: options.version,
      runnerRevision: options.revision,
      arch: ctx.instance.arch,
    },
  });
}
