/**
 * How `spotrunner run` ends: SIGQUIT/SIGTERM stop taking jobs and let running ones finish within
 * shutdown_timeout; SIGINT stops at once (running jobs are reported as interrupted); a second
 * signal forces. Resolves once the manager has stopped. The handlers come from app/ (`onSignal`).
 */
import { describeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { StartedManager } from './start-manager.js';

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGQUIT';

export function closeOnSignals(
  deps: {
    logger: Logger;
    /** Installs a handler for the stop signals; returns the remover. */
    onSignal: (handler: (signal: StopSignal) => void) => () => void;
  },
  started: Pick<StartedManager, 'manager' | 'close'>,
  shutdownTimeoutMs: number,
): Promise<void> {
  const { logger } = deps;
  return new Promise((resolveDone) => {
    let stopping: Promise<void> | undefined;
    const remove = deps.onSignal((signal) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: forcing shutdown');
        started.manager.abortJobs(`forced shutdown (${signal})`);
        return;
      }
      if (signal === 'SIGINT') {
        logger.info({ signal }, 'stopping now: running jobs are interrupted');
        started.manager.abortJobs('manager interrupted (SIGINT)');
        stopping = started.close(0);
      } else {
        logger.info(
          { signal, graceMs: shutdownTimeoutMs },
          'graceful shutdown: no new jobs, waiting for running ones',
        );
        stopping = started.close(shutdownTimeoutMs);
      }
      stopping
        .catch((err: unknown) => logger.error({ err: describeError(err) }, 'shutdown failed'))
        .finally(() => {
          remove();
          resolveDone();
        });
    });
  });
}
