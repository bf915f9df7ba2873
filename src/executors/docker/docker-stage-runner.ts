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
import type { StageLimits, StageResult, StopReason } from '../shell/stage-runner.js';
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
  let stopped: StopReason | undefined = initialStop(deps.clock, limits);
  if (stopped) return { kind: 'stopped', why: stopped };
  let killing: Promise<void> | undefined;
  const execution = target.run(script, (chunk) => deps.trace.write(chunk));
  const settled = execution.then(
    () => undefined,
    () => undefined,
  );
  const stop = (why: StopReason): void => {
    if (stopped) return;
    stopped = why;
    killing = stopTarget(deps, target, why, settled);
  };
  const detach = watch(deps.clock, limits, stop);
  try {
    const code = await execution;
    if (killing) await killing;
    if (stopped) return { kind: 'stopped', why: stopped };
    if (code === null) {
      return { kind: 'system', message: 'the stage ended without an exit status' };
    }
    return { kind: 'exit', code };
  } catch (err: unknown) {
    if (killing) await killing;
    if (stopped) return { kind: 'stopped', why: stopped };
    return { kind: 'system', message: `lost the stage's Docker stream: ${describeError(err)}` };
  } finally {
    detach();
  }
}

function initialStop(clock: Clock, limits: StageLimits): StopReason | undefined {
  if (limits.abortSignal?.aborted) return 'abort';
  if (limits.cancelSignal?.aborted) return 'cancel';
  const now = clock.now();
  if (now >= limits.jobDeadlineMs) return 'job_timeout';
  if (limits.stageDeadlineMs !== undefined && now >= limits.stageDeadlineMs) return 'stage_timeout';
  return undefined;
}

function watch(clock: Clock, limits: StageLimits, stop: (why: StopReason) => void): () => void {
  const now = clock.now();
  const cancels = [clock.schedule(limits.jobDeadlineMs - now, () => stop('job_timeout'))];
  if (limits.stageDeadlineMs !== undefined && limits.stageDeadlineMs < limits.jobDeadlineMs) {
    cancels.push(clock.schedule(limits.stageDeadlineMs - now, () => stop('stage_timeout')));
  }
  const onCancel = (): void => stop('cancel');
  const onAbort = (): void => stop('abort');
  limits.cancelSignal?.addEventListener('abort', onCancel, { once: true });
  limits.abortSignal?.addEventListener('abort', onAbort, { once: true });
  return () => {
    for (const cancel of cancels) cancel();
    limits.cancelSignal?.removeEventListener('abort', onCancel);
    limits.abortSignal?.removeEventListener('abort', onAbort);
  };
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
      const timer = new AbortController();
      await Promise.race([
        settled,
        deps.clock.sleep(deps.settleMs, timer.signal).catch(() => undefined),
      ]);
      timer.abort();
    }
    if (!ended) await target.abort(killNow);
  } catch (err: unknown) {
    deps.logger.warn({ why, err: describeError(err) }, 'cannot stop the stage');
  }
}
