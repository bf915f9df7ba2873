/** The executor for a runner's `executor` setting. */
import type { CompiledRunner } from '../config/types.js';
import { createDockerExecutor, createShellExecutor } from '../executors/index.js';
import type { Executor } from '../executors/executor.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import { UserError } from '../platform/errors.js';

export function buildExecutor(
  deps: { clock: Clock; logger: Logger },
  runner: CompiledRunner,
  version: string,
  /** The manager's system id: the docker executors label job resources with it. */
  systemId?: string,
): Executor {
  switch (runner.executor) {
    case 'instance':
      return createShellExecutor(deps, { name: 'instance', version });
    case 'shell':
      return createShellExecutor(deps, { name: 'shell', version });
    case 'docker-autoscaler':
    case 'docker':
      return createDockerExecutor(deps, {
        name: runner.executor,
        version,
        ...(systemId ? { managerId: systemId } : {}),
      });
    default:
      throw new UserError(`unsupported executor "${String(runner.executor)}"`, 'config_invalid');
  }
}
