/**
 * Runs one stage script on the instance: `bash -s` with the script on stdin (secrets never
 * reach argv), output streamed to the trace, stopped on a deadline, a cancel or an abort.
 * Stopping runs the kill script in a separate exec (TERM to the stage's process group, KILL
 * after a grace period), because SSH signal requests reach only the top process, then closes
 * the stage's own exec if it has not ended by itself.
 */
import type { InstanceConnection } from '../../connect/connection.js';
import type { Clock } from '../../platform/clock.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { TraceSink } from '../executor.js';
import type { BuildLayout } from '../script/build-layout.js';
import { renderKillScript } from '../script/stage-script.js';

export type StopReason = 'job_timeout' | 'stage_timeout' | 'cancel' | 'abort';

export type StageResult =
  | { kind: 'exit'; code: number }
  | { kind: 'stopped'; why: StopReason }
  | { kind: 'system'; message: string };

export interface StageRunnerDeps {
  connection: InstanceConnection;
  trace: TraceSink;
  clock: Clock;
  logger: Logger;
  layout: BuildLayout;
  /** Command that reads a script on stdin, e.g. `bash -s`. */
  shellCommand: string;
  killGraceMs: number;
  /** How long to wait for the stage's exec to end after the kill script, before closing it. */
  settleMs: number;
}

export interface StageLimits {
  /** Absolute time (clock ms) at which the job times out. */
  jobDeadlineMs: number;
  /** Absolute time at which this stage times out (earlier than the job deadline), if any. */
  stageDeadlineMs?: number;
  /** Graceful cancel stops this stage. */
  cancelSignal?: AbortSignal;
  /** Hard abort stops this stage. */
  abortSignal?: AbortSignal;
}

export async function runStage(
  deps: StageRunnerDeps,
  script: string,
  limits: StageLimits,
): Promise<StageResult> {
  let stopped: StopReason | undefined = initialStop(deps.clock, limits);
  if (stopped) return { kind: 'stopped', why: stopped };
  const exec = new AbortController();
  let killing: Promise<void> | undefined;
  const execution = deps.connection.exec(deps.shellCommand, {
    stdin: script,
    onStdout: (chunk) => deps.trace.write(chunk),
    onStderr: (chunk) => deps.trace.write(chunk),
    signal: exec.signal,
    killSignal: 'TERM',
  });
  const settled = execution.then(
    () => undefined,
    () => undefined,
  );
  const stop = (why: StopReason): void => {
    if (stopped) return;
    stopped = why;
    killing = killStage(deps, why === 'abort' ? 0 : deps.killGraceMs, settled, exec);
  };
  const detach = watch(deps.clock, limits, stop);
  try {
    const result = await execution;
    if (killing) await killing;
    if (stopped) return { kind: 'stopped', why: stopped };
    if (result.exitCode === null) {
      return {
        kind: 'system',
        message: `the connection ended without an exit status (${result.signal ?? 'no signal'})`,
      };
    }
    return { kind: 'exit', code: result.exitCode };
  } catch (err: unknown) {
    if (killing) await killing;
    if (stopped) return { kind: 'stopped', why: stopped };
    return { kind: 'system', message: describeError(err) };
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

/** Arms the deadline timers and signal listeners; returns the function that disarms them. */
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

async function killStage(
  deps: StageRunnerDeps,
  graceMs: number,
  settled: Promise<void>,
  exec: AbortController,
): Promise<void> {
  // A hung connection must not hang the job: the kill exec gets its own time limit.
  const killLimit = new AbortController();
  const cancelLimit = deps.clock.schedule(graceMs + deps.settleMs, () => killLimit.abort());
  try {
    const result = await deps.connection.exec(deps.shellCommand, {
      stdin: renderKillScript(deps.layout, graceMs),
      signal: killLimit.signal,
    });
    if (result.exitCode !== 0) {
      deps.logger.warn({ exitCode: result.exitCode }, 'stage kill script failed');
    }
  } catch (err: unknown) {
    deps.logger.warn({ err: describeError(err) }, 'cannot run the stage kill script');
  } finally {
    cancelLimit();
  }
  const timer = new AbortController();
  await Promise.race([
    settled,
    deps.clock.sleep(deps.settleMs, timer.signal).catch(() => undefined),
  ]);
  timer.abort();
  exec.abort();
}
