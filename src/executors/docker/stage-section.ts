/**
 * One stage as the job log shows it: its section, the script run on its target (helper exec
 * or build container) under the job's limits, and the failure it means, if any — the same
 * framing and failure mapping as the shell executor's stages.
 */
import type { Logger } from '../../platform/logger.js';
import type { ExecutionContext } from '../executor.js';
import { stageDescription, type StageName } from '../script/stage-names.js';
import { ANSI } from '../script/shell-quote.js';
import { stageFailure, type JobFailure } from '../job-failure.js';
import { runDockerStage, type DockerStageDeps } from './docker-stage-runner.js';
import type { PhaseListener } from './phases.js';
import { failureFromError } from './prepare-failure.js';
import type { StageTarget } from './stage-targets.js';

export interface StageSectionDeps {
  ctx: ExecutionContext;
  stage: DockerStageDeps;
  logger: Logger;
  jobDeadlineMs: number;
  jobTimeoutMs: number;
  onPhase?: PhaseListener;
}

export interface StageSectionOptions {
  /** terminal: cancel stops the stage and the job; soft: stops the stage only; ignore. */
  cancel: 'terminal' | 'soft' | 'ignore';
  stageDeadlineMs?: number;
}

/** Runs `text` (nothing when undefined) on the target `resolve` gives, inside its section. */
export async function runStageSection(
  deps: StageSectionDeps,
  name: StageName,
  resolve: () => Promise<StageTarget>,
  text: string | undefined,
  options: StageSectionOptions,
): Promise<JobFailure | undefined> {
  if (text === undefined) return undefined;
  const { trace, cancelSignal, abortSignal } = deps.ctx;
  trace.sectionStart(name, `${ANSI.boldCyan}${stageDescription(name)}${ANSI.reset}`);
  deps.onPhase?.(`stage:${name}`, 'start');
  let failure: JobFailure | undefined;
  try {
    const result = await runDockerStage(deps.stage, await resolve(), text, {
      jobDeadlineMs: deps.jobDeadlineMs,
      ...(options.stageDeadlineMs !== undefined
        ? { stageDeadlineMs: options.stageDeadlineMs }
        : {}),
      ...(options.cancel === 'ignore' ? {} : { cancelSignal }),
      abortSignal,
    });
    if (result.kind === 'stopped' && /timeout$/.test(result.why)) {
      trace.warn(`${name} could not run to completion because the timeout was exceeded`);
    }
    failure = stageFailure(result, {
      jobTimeoutMs: deps.jobTimeoutMs,
      abortSignal,
      cancelTerminal: options.cancel === 'terminal',
    });
  } catch (err: unknown) {
    // The target could not be had (a build container that did not start).
    const timedOut = deps.stage.clock.now() >= deps.jobDeadlineMs;
    failure = failureFromError(err, deps.ctx, deps.jobTimeoutMs, timedOut);
  }
  deps.onPhase?.(`stage:${name}`, 'end');
  trace.sectionEnd(name);
  if (failure) {
    deps.logger.info({ stage: name, reason: failure.reason, err: failure.message }, 'stage failed');
  }
  return failure;
}
