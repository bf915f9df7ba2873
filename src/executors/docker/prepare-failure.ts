/**
 * How an error thrown while preparing the environment or starting a stage's container ends
 * the job: abort and cancel win, then the job timeout, then the reason a DockerJobError
 * carries (image_pull_failure, runner_configuration_error), else a system failure.
 */
import type { ExecutionContext } from '../executor.js';
import {
  abortFailure,
  canceledFailure,
  systemFailure,
  timeoutFailure,
  type JobFailure,
} from '../job-failure.js';
import { DockerJobError, describeDockerError } from './docker-errors.js';

export function failureFromError(
  err: unknown,
  ctx: Pick<ExecutionContext, 'abortSignal' | 'cancelSignal'>,
  jobTimeoutMs: number,
  timedOut: boolean,
): JobFailure {
  if (ctx.abortSignal.aborted) return abortFailure(ctx.abortSignal);
  if (ctx.cancelSignal.aborted) return canceledFailure(true);
  if (timedOut) return timeoutFailure(jobTimeoutMs, true);
  if (err instanceof DockerJobError) {
    const system = err.failureReason === 'runner_system_failure';
    return {
      reason: err.failureReason,
      message: err.message,
      ...(system ? { system: true } : {}),
      terminal: true,
      status: 'failed',
    };
  }
  return systemFailure(describeDockerError(err));
}
