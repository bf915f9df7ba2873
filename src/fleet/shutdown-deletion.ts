import type { Clock } from '../platform/clock.js';
import { describeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { InstanceInfo, Provider } from '../providers/provider.js';

export interface ShutdownDeletionOptions {
  intervalMs: number;
  retries: number;
}

function alive(infos: readonly InstanceInfo[]): InstanceInfo[] {
  return infos.filter((i) => i.state !== 'deleted');
}

/**
 * delete_instances_on_shutdown: remove every instance, then check every shutdown_deletion_interval
 * (re-issuing removals the provider has not acted on), at most shutdown_deletion_retries times.
 * Returns the ids still listed at the end.
 */
export async function deleteAllInstances(
  deps: { clock: Clock; logger: Logger; provider: Provider },
  o: ShutdownDeletionOptions,
): Promise<string[]> {
  const { clock, logger, provider } = deps;
  let left: InstanceInfo[] | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      left = alive(await provider.update());
    } catch (err: unknown) {
      logger.error({ attempt, err: describeError(err) }, 'provider update failed during shutdown');
    }
    if (left?.length === 0 || attempt > o.retries) break;
    const ids = (left ?? []).filter((i) => i.state !== 'deleting').map((i) => i.id);
    if (ids.length > 0) {
      try {
        const done = await provider.decrease(ids);
        logger.info(
          { attempt, requested: ids.length, issued: done.length },
          'removing instances at shutdown',
        );
      } catch (err: unknown) {
        logger.error(
          { attempt, err: describeError(err) },
          'provider decrease failed during shutdown',
        );
      }
    }
    await clock.sleep(o.intervalMs);
  }
  if (left === undefined) {
    logger.warn({}, 'could not list instances at shutdown');
    return [];
  }
  const ids = left.map((i) => i.id);
  if (ids.length > 0) logger.warn({ instances: ids }, 'instances left after shutdown');
  else logger.info({}, 'all instances removed at shutdown');
  return ids;
}
