/**
 * Optional IMDS polling (`plugin_config.imds_poll`, off by default): every interval, instances
 * of aws groups that run jobs are asked through their pooled SSH connection whether AWS has
 * scheduled them for interruption (`spot/instance-action`, rebalance recommendation). A notice
 * found is reported to the group's provider, which tells the fleet to look at once. This catches
 * a notice between two DescribeSpotInstanceRequests polls without an SQS queue.
 */
import type { ConnectionPool } from '../connect/index.js';
import type { FleetStatus } from '../fleet/fleet.js';
import type { Clock } from '../platform/clock.js';
import { describeError } from '../platform/errors.js';
import { mapLimit } from '../platform/limiter.js';
import type { Logger } from '../platform/logger.js';
import { checkInstanceMetadata } from '../providers/aws/index.js';
import type { AwsGroupHandle } from '../providers/aws/group-handle.js';
import { createPart, type ManagerPart } from './parts.js';

export interface ImdsPollerDeps {
  clock: Clock;
  logger: Logger;
  pool: Pick<ConnectionPool, 'get'>;
  fleetStatus: () => FleetStatus;
}

export interface ImdsPoller {
  /** One round now (the timer does this every interval). Resolves with the notices found. */
  pollOnce(signal?: AbortSignal): Promise<number>;
  stop(): void;
}

/** Starts polling when some group has `imds_poll` set; undefined otherwise. */
export function startImdsPoller(
  deps: ImdsPollerDeps,
  groups: readonly AwsGroupHandle[],
): ImdsPoller | undefined {
  const polled = groups.filter((g) => g.options.imdsPollMs > 0);
  if (polled.length === 0) return undefined;
  const everyMs = Math.min(...polled.map((g) => g.options.imdsPollMs));
  const log = deps.logger.child({ component: 'imds-poller' });
  const stopper = new AbortController();
  let cancel = (): void => undefined;

  const checkOne = async (
    id: string,
    group: AwsGroupHandle,
    signal: AbortSignal,
  ): Promise<boolean> => {
    try {
      const conn = await deps.pool.get(id, () => group.provider.connectInfo(id, signal), signal);
      const notice = await checkInstanceMetadata(conn, {
        baseUrl: group.options.metadataUrl.replaceAll('{instance_id}', id),
        signal,
      });
      return notice !== undefined && group.provider.reportInterruption(id, notice, 'metadata');
    } catch (err: unknown) {
      if (!signal.aborted) {
        log.debug({ instanceId: id, err: describeError(err) }, 'instance metadata check failed');
      }
      return false;
    }
  };

  const pollOnce = async (signal: AbortSignal = stopper.signal): Promise<number> => {
    const busy = deps
      .fleetStatus()
      .instances.filter(
        (i) =>
          i.slotsInUse > 0 && i.status !== 'removing' && i.interruption?.kind !== 'termination',
      )
      .flatMap((i) => {
        const group = polled.find((g) => g.provider.ownsInstance(i.id));
        return group ? [{ id: i.id, group }] : [];
      });
    const found = await mapLimit(busy, 4, (b) => checkOne(b.id, b.group, signal));
    return found.filter(Boolean).length;
  };

  const tick = (): void => {
    pollOnce()
      .catch((err: unknown) => log.warn({ err: describeError(err) }, 'imds polling round failed'))
      .finally(() => {
        if (!stopper.signal.aborted) cancel = deps.clock.schedule(everyMs, tick);
      });
  };
  cancel = deps.clock.schedule(everyMs, tick);
  log.info({ everyMs, groups: polled.map((g) => g.options.groupName) }, 'imds polling on');
  return {
    pollOnce,
    stop(): void {
      stopper.abort(new Error('imds poller stopped'));
      cancel();
    },
  };
}

export interface ImdsPollerStatus {
  everyMs: number;
  groups: readonly string[];
}

/** The poller as a part of its runner, started and stopped by the manager; undefined when off. */
export function imdsPollerPart(
  deps: ImdsPollerDeps,
  groups: readonly AwsGroupHandle[],
): ManagerPart<ImdsPollerStatus> | undefined {
  const polled = groups.filter((g) => g.options.imdsPollMs > 0);
  if (polled.length === 0) return undefined;
  let poller: ImdsPoller | undefined;
  return createPart('imds-poller', {
    start: () => {
      poller = startImdsPoller(deps, polled);
    },
    stop: () => poller?.stop(),
    status: () => ({
      everyMs: Math.min(...polled.map((g) => g.options.imdsPollMs)),
      groups: polled.map((g) => g.options.groupName),
    }),
  });
}
