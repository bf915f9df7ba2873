/**
 * What every executor does around one stage script, whatever runs it (an SSH exec for the
 * shell executor, a container exec for Docker): stop it at the job or stage deadline, on a
 * graceful cancel or on a hard abort, let the executor's own stop procedure finish, and say
 * what happened as a StageResult.
 */
import type { Clock } from '../platform/clock.js';

export type StopReason = 'job_timeout' | 'stage_timeout' | 'cancel' | 'abort';

export type StageResult =
  | { kind: 'exit'; code: number }
  | { kind: 'stopped'; why: StopReason }
  | { kind: 'system'; message: string };

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

/** How a stage ended by itself: an exit code, or none (with why, for the job's failure). */
export type StageExit = { code: number } | { code: null; why: string };

export interface StageControl {
  /** Starts the stage; settles when it has ended. */
  start(): Promise<StageExit>;
  /**
   * Stops the running stage; `settled` resolves once the started stage has ended. Must not
   * reject: a failure to stop is the executor's to log.
   */
  stop(why: StopReason, settled: Promise<void>): Promise<void>;
  /** The system-failure message for a stage whose execution rejected. */
  describeLoss(err: unknown): string;
}

export async function superviseStage(
  clock: Clock,
  limits: StageLimits,
  control: StageControl,
): Promise<StageResult> {
  let stopped: StopReason | undefined = initialStop(clock, limits);
  if (stopped) return { kind: 'stopped', why: stopped };
  let stopping: Promise<void> | undefined;
  const execution = control.start();
  const settled = execution.then(
    () => undefined,
    () => undefined,
  );
  const stop = (why: StopReason): void => {
    if (stopped) return;
    stopped = why;
    stopping = control.stop(why, settled);
  };
  const detach = watch(clock, limits, stop);
  try {
    const exit = await execution;
    if (stopping) await stopping;
    if (stopped) return { kind: 'stopped', why: stopped };
    if (exit.code === null) return { kind: 'system', message: exit.why };
    return { kind: 'exit', code: exit.code };
  } catch (err: unknown) {
    if (stopping) await stopping;
    if (stopped) return { kind: 'stopped', why: stopped };
    return { kind: 'system', message: control.describeLoss(err) };
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

/** Waits for `settled`, at most `ms`. */
export async function settleWithin(
  clock: Clock,
  settled: Promise<void>,
  ms: number,
): Promise<void> {
  const timer = new AbortController();
  await Promise.race([settled, clock.sleep(ms, timer.signal).catch(() => undefined)]);
  timer.abort();
}
