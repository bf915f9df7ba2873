/**
 * Runs one stage script on a StageTarget (helper exec or build container) with the shell
 * executor's stop semantics: a deadline, a graceful cancel or a hard abort stops the stage;
 * stopping runs the kill script in the stage's container (TERM to its process group, KILL
 * after the grace), waits a little for the stage to end, then kills outright.
 */
import type { Clock } from '../../platform/clock.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { TraceSink } from '../executor.js';
import type { BuildLayout } from '../script/build-layout.js';
import { renderKillScript } from '../script/stage-script.js';
import {
  settleWithin,
  superviseStage,
  type StageLimits,
  type StageResult,
  type StopReason,
} from '../stage-supervisor.js';
import type { StageTarget } from './stage-targets.js';

export interface DockerStageDeps {
  trace: TraceSink;
  clock: Clock;
  logger: Logger;
  layout: BuildLayout;
  killGraceMs: number;
  /** How long to wait for a stopped stage to end before killing it outright. */
  settleMs: number;
}

export async function runDockerStage(
  deps: DockerStageDeps,
  target: StageTarget,
  script: string,
  limits: StageLimits,
): Promise<StageResult> {
  return superviseStage(deps.clock, limits, {
    start: async () => {
      const code = await target.run(script, (chunk) => deps.trace.write(chunk));
      return code === null
        ? { code: null, why: 'the stage ended without an exit status' }
        : { code };
    },
    stop: (why, settled) => stopTarget(deps, target, why, settled),
    describeLoss: (err) => `lost the stage's Docker stream: ${describeError(err)}`,
  });
}

async function stopTarget(
  deps: DockerStageDeps,
  target: StageTarget,
  why: StopReason,
  settled: Promise<void>,
): Promise<void> {
  const killNow = renderKillScript(deps.layout, 0);
  let ended = false;
  void settled.then(() => {
    ended = true;
  });
  try {
    if (why !== 'abort') {
      await target.stop(renderKillScript(deps.layout, deps.killGraceMs));
      await settleWithin(deps.clock, settled, deps.settleMs);
    }
    if (!ended) await target.abort(killNow);
  } catch (err: unknown) {
    deps.logger.warn({ why, err: describeError(err) }, 'cannot stop the stage');
  }
}
