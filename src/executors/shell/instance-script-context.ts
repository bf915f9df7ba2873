/**
 * The script context of a job on an instance: a shared builds dir
 * (`<builds_dir>/<short token>/<slot>/<namespace>/<project>`) and a shared environment, as
 * gitlab-runner's shell executor lays them out.
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
      slot: ctx.instance.slot,
    },
    predefined: {
      jobTimeoutSeconds: ctx.job.runner_info.timeout,
      sharedEnvironment: true,
      runnerVersion: options.version,
      runnerRevision: options.revision,
      arch: ctx.instance.arch,
    },
  });
}
