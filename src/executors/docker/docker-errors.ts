/**
 * Errors of the docker executor: a SpotrunnerError that carries the failure reason the job
 * reports (image_pull_failure, runner_configuration_error, runner_system_failure), and the
 * translation of Docker Engine API errors into short messages.
 */
import { describeError, SpotrunnerError } from '../../platform/errors.js';
import type { FailureReason } from '../executor.js';

export class DockerJobError extends SpotrunnerError {
  readonly failureReason: FailureReason;

  constructor(failureReason: FailureReason, message: string, options: { cause?: unknown } = {}) {
    super('executor', message, options);
    this.name = 'DockerJobError';
    this.failureReason = failureReason;
  }
}

interface EngineError {
  statusCode?: unknown;
  json?: unknown;
  message?: unknown;
}

/** HTTP status of a Docker Engine API error, if it is one. */
export function engineStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as EngineError).statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The daemon's own message (`No such image: x`) rather than docker-modem's wrapper text. */
export function describeDockerError(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const json = (err as EngineError).json;
    if (typeof json === 'object' && json !== null) {
      const message = (json as { message?: unknown }).message;
      if (typeof message === 'string' && message !== '') return message;
    }
  }
  return describeError(err);
}

export function isNotFound(err: unknown): boolean {
  return engineStatus(err) === 404;
}
