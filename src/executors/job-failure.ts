/**
 * How a job went wrong, and how that becomes the JobOutcome and the last trace line,
 * following gitlab-runner (`common/build.go`: runtimeStateAndError, setTraceStatus).
 */
import { formatDurationMs } from '../platform/durations.js';
import { SpotrunnerError } from '../platform/errors.js';
import type { FailureReason, JobOutcome, TraceSink } from './executor.js';
import type { StageResult, StopReason } from './stage-supervisor.js';

export interface JobFailure {
  reason: FailureReason;
  /** Text after `Job failed: ` / `Job failed (system failure): `. */
  message: string;
  exitCode?: number;
  system?: boolean;
  /** Nothing else runs on the instance (job timeout, abort, cancel before the script, lost connection). */
  terminal: boolean;
  /** CI_JOB_STATUS for after_script. */
  status: 'failed' | 'canceled' | 'timedout';
  /**
   * The instance went away (spot interruption, vanished): the manager decides what becomes of the
   * job (a rerun elsewhere, or a failure), so the executor writes no final "Job failed" line.
   */
  instanceLost?: boolean;
}

export function exitFailure(code: number): JobFailure {
  return {
    reason: 'script_failure',
    message: `exit code ${code}`,
    exitCode: code,
    terminal: false,
    status: 'failed',
  };
}

export function systemFailure(message: string): JobFailure {
  return {
    reason: 'runner_system_failure',
    message,
    system: true,
    terminal: true,
    status: 'failed',
  };
}

export function timeoutFailure(jobTimeoutMs: number, terminal: boolean): JobFailure {
  return {
    reason: 'job_execution_timeout',
    message: `execution took longer than ${formatDurationMs(jobTimeoutMs)} seconds`,
    terminal,
    status: 'timedout',
  };
}

export function canceledFailure(terminal: boolean): JobFailure {
  return { reason: 'job_canceled', message: 'canceled', terminal, status: 'canceled' };
}

/**
 * A hard abort: the job canceled upstream (GitLab says it is gone) reports `job_canceled`; an
 * abort whose reason is an infrastructure error (instance lost, connection) reports
 * `runner_system_failure`, like gitlab-runner's system interrupt.
 */
export function abortFailure(signal: AbortSignal): JobFailure {
  const reason: unknown = signal.reason;
  if (reason instanceof SpotrunnerError && reason.code !== 'canceled') {
    return {
      ...systemFailure(`aborted: ${reason.message}`),
      ...(reason.code === 'instance_lost' ? { instanceLost: true } : {}),
    };
  }
  return canceledFailure(true);
}

/** The failure a stopped or broken stage means (undefined for exit code 0). */
export function stageFailure(
  result: StageResult,
  context: { jobTimeoutMs: number; abortSignal: AbortSignal; cancelTerminal: boolean },
): JobFailure | undefined {
  switch (result.kind) {
    case 'exit':
      return result.code === 0 ? undefined : exitFailure(result.code);
    case 'system':
      return systemFailure(result.message);
    case 'stopped':
      return stopFailure(result.why, context);
  }
}

function stopFailure(
  why: StopReason,
  context: { jobTimeoutMs: number; abortSignal: AbortSignal; cancelTerminal: boolean },
): JobFailure {
  switch (why) {
    case 'job_timeout':
      return timeoutFailure(context.jobTimeoutMs, true);
    case 'stage_timeout':
      return timeoutFailure(context.jobTimeoutMs, false);
    case 'cancel':
      return canceledFailure(context.cancelTerminal);
    case 'abort':
      return abortFailure(context.abortSignal);
  }
}

/** Writes the final line and returns the outcome. */
export function finishJob(trace: TraceSink, failure: JobFailure | undefined): JobOutcome {
  if (!failure) {
    trace.info('Job succeeded');
    return { result: 'success', message: 'Job succeeded' };
  }
  const message = failure.system
    ? `Job failed (system failure): ${failure.message}`
    : `Job failed: ${failure.message}`;
  if (failure.instanceLost) trace.warn(`Job stopped: ${failure.message}`);
  else trace.error(message);
  return {
    result: 'failed',
    failureReason: failure.reason,
    ...(failure.exitCode !== undefined ? { exitCode: failure.exitCode } : {}),
    message,
  };
}

/** The script's own failure first; a later terminal one (job timeout, abort) overrides it. */
export function pickFailure(...failures: (JobFailure | undefined)[]): JobFailure | undefined {
  const terminal = failures.find((f) => f?.terminal);
  return terminal ?? failures.find((f) => f !== undefined);
}

/** A bad *_ATTEMPTS variable: the job cannot go on. */
export function attemptsFailure(message: string): JobFailure {
  return { reason: 'script_failure', message, terminal: true, status: 'failed' };
}

/**
 * The job cannot start as asked (a GIT_CLONE_PATH that is not allowed): gitlab-runner's
 * BuildError from preparing the executor, reported as a script failure.
 */
export function setupFailure(message: string): JobFailure {
  return { reason: 'script_failure', message, terminal: true, status: 'failed' };
}
