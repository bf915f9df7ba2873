/**
 * Everything the stage generators need about one job, computed once on the manager: the
 * layout on the instance, the effective variables, runner hooks and limits. Generators are
 * pure functions of this context (plus presigned URLs for the cache stages).
 */
import type { CompiledRunner } from '../../config/types.js';
import type { JobPayload } from '../../gitlab/job-payload.js';
import {
  computeBuildLayout,
  withProjectDir,
  type BuildLayout,
  type BuildLayoutOptions,
} from './build-layout.js';
import { resolveCloneDir } from './custom-build-dir.js';
import {
  collectJobVariables,
  renderExports,
  VariableSet,
  type PredefinedVariablesOptions,
} from './job-variables.js';
import { shellPath } from './shell-quote.js';

export type RunnerScriptSettings = Pick<
  CompiledRunner,
  | 'environment'
  | 'preGetSourcesScript'
  | 'postGetSourcesScript'
  | 'preBuildScript'
  | 'postBuildScript'
  | 'debugTraceDisabled'
  | 'cloneUrl'
> & { cache?: Pick<NonNullable<CompiledRunner['cache']>, 'maxUploadedArchiveSizeBytes'> };

export interface ScriptContext {
  job: JobPayload;
  layout: BuildLayout;
  vars: VariableSet;
  /** `<gitlab>/api/v4` as the instance reaches it. */
  apiUrl: string;
  runner: RunnerScriptSettings;
  debugTrace: boolean;
  /** The result so far, for after_script (`CI_JOB_STATUS`). */
  jobStatus?: 'success' | 'failed' | 'canceled' | 'timedout';
  /**
   * Why the job cannot run here (a GIT_CLONE_PATH that is not allowed or outside the builds
   * dir): the executor fails the job with it before any stage, as gitlab-runner does.
   */
  buildDirError?: string;
}

export interface ScriptContextInput {
  job: JobPayload;
  runner: RunnerScriptSettings;
  layout: BuildLayoutOptions;
  predefined: PredefinedVariablesOptions;
  /** GitLab base URL as instances reach it (trailing `/` and `/ci` are dropped). */
  gitlabUrl: string;
  /** `[runners.custom_build_dir] enabled`, or the executor's default: GIT_CLONE_PATH allowed. */
  customBuildDir: boolean;
}

export function createScriptContext(input: ScriptContextInput): ScriptContext {
  const variablesFor = (layout: BuildLayout): VariableSet =>
    new VariableSet(
      collectJobVariables(input.job, input.runner.environment, layout, input.predefined),
      layout.tmpDir,
    );
  let layout = computeBuildLayout(input.job, input.layout);
  let vars = variablesFor(layout);
  // GIT_CLONE_PATH expands with CI_BUILDS_DIR known (gitlab-runner's StartBuild).
  const clone = resolveCloneDir(
    vars.expandedValue('GIT_CLONE_PATH'),
    layout.buildsDir,
    input.customBuildDir,
  );
  if (clone.kind === 'custom') {
    layout = withProjectDir(layout, clone.projectDir);
    vars = variablesFor(layout);
  }
  const debugTrace = isTrue(vars.value('CI_DEBUG_TRACE')) && !input.runner.debugTraceDisabled;
  return {
    job: input.job,
    layout,
    vars,
    apiUrl: `${gitlabBaseUrl(input.gitlabUrl)}/api/v4`,
    runner: input.runner,
    debugTrace,
    ...(clone.kind === 'error' ? { buildDirError: clone.message } : {}),
  };
}

/** gitlab-runner's base URL rule: drop trailing slashes and a trailing `/ci`. */
export function gitlabBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/ci$/, '').replace(/\/+$/, '');
}

/** Go's strconv.ParseBool truthy values. */
export function isTrue(value: string): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value.trim());
}

/** Exports of every variable, then `cd` into the project dir when asked. */
export function stagePrologue(ctx: ScriptContext, options: { cd: boolean }): string[] {
  const vars = ctx.jobStatus ? ctx.vars.with('CI_JOB_STATUS', ctx.jobStatus) : ctx.vars;
  const lines = renderExports(vars, ctx.layout);
  if (options.cd) lines.push(`cd ${shellPath(ctx.layout.projectDir)}`);
  return lines;
}
