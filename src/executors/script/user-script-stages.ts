/**
 * The user's own stages: each job step (`step_script` = before_script + script, `step_release`,
 * …) with the runner's pre/post_build_script, after_script in a separate shell, and the
 * cleanup that removes file variables and temporary files.
 */
import type { JobStep } from '../../gitlab/job-payload.js';
import { fileVariablePath } from './job-variables.js';
import { stagePrologue, type ScriptContext } from './script-context.js';
import { echoNotice, shellPath } from './shell-quote.js';
import { renderStageScript } from './stage-script.js';
import { renderUserCommands } from './user-commands.js';

export const AFTER_SCRIPT_STEP = 'after_script';

/** The steps that run as their own stage, in order (everything but after_script). */
export function scriptSteps(ctx: ScriptContext): JobStep[] {
  return ctx.job.steps.filter((s) => s.name !== AFTER_SCRIPT_STEP);
}

export function generateStepScript(ctx: ScriptContext, step: JobStep): string {
  const body: string[] = [];
  const pre = ctx.runner.preBuildScript;
  const post = ctx.runner.postBuildScript;
  if (pre && pre.trim() !== '') body.push(...renderUserCommands([pre]));
  body.push(...renderUserCommands(step.script));
  if (post && post.trim() !== '') body.push(...renderUserCommands([post]));
  return renderStageScript(stagePrologue(ctx, { cd: true }), body, {
    layout: ctx.layout,
    debugTrace: ctx.debugTrace,
  });
}

/** after_script with CI_JOB_STATUS set from `ctx.jobStatus`; undefined when there is none. */
export function generateAfterScript(ctx: ScriptContext): string | undefined {
  const step = ctx.job.steps.find((s) => s.name === AFTER_SCRIPT_STEP);
  if (!step || step.script.length === 0) return undefined;
  const body = [echoNotice('Running after script...'), ...renderUserCommands(step.script)];
  return renderStageScript(stagePrologue(ctx, { cd: true }), body, {
    layout: ctx.layout,
    debugTrace: ctx.debugTrace,
  });
}

/**
 * cleanup_file_variables: removes every file variable and the job's temporary directory
 * (archives, git template). Variables are not exported here, so nothing is re-created.
 */
export function generateCleanupScript(ctx: ScriptContext): string {
  const body = ctx.vars
    .fileVariables()
    .map((v) => `rm -f ${shellPath(fileVariablePath(ctx.layout, v.key))}`);
  body.push(
    `find ${shellPath(ctx.layout.tmpDir)} -mindepth 1 -maxdepth 1 ! -name stage.pid -exec rm -r -f {} + 2>/dev/null || true`,
  );
  return renderStageScript([], body, { layout: ctx.layout, debugTrace: false });
}
