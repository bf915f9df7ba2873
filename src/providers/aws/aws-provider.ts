/**
 * The aws provider: one Auto Scaling group driven exactly as fleeting-plugin-aws drives it
 * (DescribeAutoScalingGroups to watch, SetDesiredCapacity to grow, TerminateInstanceInAutoScalingGroup
 * with decrement to remove a chosen instance), plus instance details, interruption notices and
 * EC2 Instance Connect keys.
 */
import type { Clock } from '../../platform/clock.js';
import { SpotrunnerError, UserError, describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { isAbortError } from '../../platform/abort.js';
import type {
  ConnectInfo,
  InstanceInfo,
  InterruptionNotice,
  Provider,
  ProviderInfo,
} from '../provider.js';
import type { AwsClients } from './aws-clients.js';
import { callAws } from './aws-errors.js';
import type { AwsProviderOptions } from './aws-options.js';
import { describeGroup, mapLifecycleState, type GroupSnapshot } from './group-snapshot.js';
import { ensureGroupTags, ownershipOf, type Ownership } from './group-tags.js';
import {
  InstanceDetailsCache,
  describeInstanceDetails,
  type InstanceDetails,
} from './instance-details.js';
import { createInterruptionQueue, type InterruptionQueue } from './interruption-queue.js';
import { describeLaunchFailures, type LaunchFailure } from './launch-failures.js';
import { NoticeBook, type NoticeSource } from './notice-book.js';
import { createConnectInfoSource, type ConnectInfoSource } from './connect-info-source.js';
import { changeDesiredCapacity, terminateInstances } from './group-capacity.js';
import { describeSpotNotices } from './spot-notices.js';

/** fleeting-plugin-aws never reports more than this. */
export const AWS_MAX_GROUP_SIZE = 1000;

export interface AwsProviderDeps {
  clock: Clock;
  logger: Logger;
  clients: AwsClients;
  /** Called when a notice arrives between updates (SQS feed, IMDS check), to update at once. */
  onInterruption?: (instanceId: string, notice: InterruptionNotice) => void;
}

export interface AwsProvider extends Provider {
  readonly groupName: string;
  /** Failed launches recorded by the group since `sinceMs` (capacity errors as `provider_capacity`). */
  launchFailures(sinceMs: number, signal?: AbortSignal): Promise<LaunchFailure[]>;
  /** Cached EC2 details of an instance in the group (after an update has listed it). */
  instanceDetails(id: string): InstanceDetails | undefined;
  /** Whose instance this is, by its `spotrunner:manager` tag (undefined = not described yet). */
  ownership(id: string): Ownership | undefined;
  /** Records a notice found elsewhere (e.g. by `checkInstanceMetadata`); returns true if new. */
  reportInterruption(id: string, notice: InterruptionNotice, source?: NoticeSource): boolean;
  /** One receive on the interruption queue (the background loop does this continuously). */
  pollInterruptionQueue(signal?: AbortSignal): Promise<number>;
}

export function createAwsProvider(deps: AwsProviderDeps, options: AwsProviderOptions): AwsProvider {
  const { clock, clients } = deps;
  const logger = deps.logger.child({ provider: 'aws', group: options.groupName });
  const details = new InstanceDetailsCache();
  const notices = new NoticeBook();
  let desired: number | undefined;
  let maxSize = 0;
  let groupIds = new Set<string>();
  let queue: InterruptionQueue | undefined;
  let connect: ConnectInfoSource | undefined;

  function adopt(group: GroupSnapshot): void {
    if (desired !== undefined && desired !== group.desiredCapacity) {
      logger.warn({ expected: desired, actual: group.desiredCapacity }, 'out-of-sync capacity');
    }
    desired = group.desiredCapacity;
    maxSize = Math.min(group.maxSize, AWS_MAX_GROUP_SIZE);
    const previous = groupIds;
    groupIds = new Set(group.instances.map((i) => i.id));
    details.retain(groupIds);
    notices.prune(groupIds, (id) => previous.has(id), clock.now());
  }

  function record(id: string, notice: InterruptionNotice, source: NoticeSource): boolean {
    if (!notices.record(id, notice, source, clock.now())) return false;
    if (groupIds.has(id)) {
      logger.warn(
        { instanceId: id, kind: notice.kind, deadlineMs: notice.deadlineMs, source },
        'interruption notice',
      );
      deps.onInterruption?.(id, notice);
    }
    return true;
  }

  async function fillDetails(ids: readonly string[], signal?: AbortSignal): Promise<void> {
    const missing = details.missing(ids);
    if (missing.length === 0) return;
    try {
      details.put(
        await describeInstanceDetails(clients.ec2, {
          ids: missing,
          batchSize: options.describeBatchSize,
          signal,
        }),
      );
    } catch (err: unknown) {
      if (isAbortError(err)) throw err;
      logger.warn(
        { error: describeError(err), instances: missing.length },
        'instance details unavailable',
      );
    }
  }

  async function checkSpotRequests(group: GroupSnapshot, signal?: AbortSignal): Promise<void> {
    if (!options.spotRequestChecks) return;
    const spot = group.instances
      .filter((i) => mapLifecycleState(i.lifecycleState) !== 'deleting')
      .filter((i) => details.get(i.id)?.lifecycle === 'spot')
      .map((i) => i.id);
    if (spot.length === 0) return;
    try {
      const found = await describeSpotNotices(clients.ec2, spot, {
        batchSize: options.describeBatchSize,
        nowMs: clock.now(),
        signal,
      });
      for (const [id, notice] of found) record(id, notice, 'spot-request');
    } catch (err: unknown) {
      if (isAbortError(err)) throw err;
      logger.warn(
        { error: describeError(err) },
        'spot request check failed (needs ec2:DescribeSpotInstanceRequests)',
      );
    }
  }

  function toInfo(group: GroupSnapshot): InstanceInfo[] {
    return group.instances.map((i) => {
      const d = details.get(i.id);
      return {
        id: i.id,
        state: mapLifecycleState(i.lifecycleState),
        launchedAtMs: d?.launchedAtMs,
        instanceType: d?.instanceType ?? i.instanceType,
        lifecycle: d?.lifecycle,
        zone: d?.zone ?? i.zone,
        interruption: notices.get(i.id),
        detail: i.lifecycleState,
      };
    });
  }

  async function init(signal?: AbortSignal): Promise<ProviderInfo> {
    const region =
      options.region ??
      (await callAws('resolve region', () => clients.autoscaling.config.region()));
    const group = await describeGroup(clients.autoscaling, options.groupName, signal);
    if (!group.newInstancesProtectedFromScaleIn) {
      logger.error(
        {},
        'auto scaling group does not protect new instances from scale-in (NewInstancesProtectedFromScaleIn is false)',
      );
    }
    adopt(group);
    if (maxSize === 0) logger.warn({}, 'auto scaling group has MaxSize 0: no instance can start');
    if (options.managerName || options.runnerName) {
      await ensureGroupTags(
        { autoscaling: clients.autoscaling, logger },
        options.groupName,
        group.tags,
        {
          managerName: options.managerName,
          runnerName: options.runnerName,
          tagGroup: options.tagGroup,
          signal,
        },
      );
    }
    connect = await createConnectInfoSource({ clock, clients, logger }, options);
    startQueue();
    return {
      id: `aws/${region}/${options.groupName}`,
      maxSize,
      capabilities: ['interruption-notices', 'instance-types'],
    };
  }

  function startQueue(): void {
    if (!options.interruptionQueueUrl || queue) return;
    if (!clients.sqs) {
      throw new UserError(
        'plugin_config.interruption_queue_url is set but no SQS client was given',
        'config_invalid',
      );
    }
    queue = createInterruptionQueue(
      { clock, logger, sqs: clients.sqs },
      {
        queueUrl: options.interruptionQueueUrl,
        waitSeconds: options.interruptionQueueWaitSeconds,
        onEvent: (event) => {
          record(event.instanceId, event.notice, 'queue');
          return groupIds.has(event.instanceId);
        },
      },
    );
    queue.start();
  }

  return {
    groupName: options.groupName,
    init,
    async update(signal?: AbortSignal): Promise<InstanceInfo[]> {
      const group = await describeGroup(clients.autoscaling, options.groupName, signal);
      adopt(group);
      await fillDetails(
        group.instances.map((i) => i.id),
        signal,
      );
      await checkSpotRequests(group, signal);
      return toInfo(group);
    },
    async increase(n: number, signal?: AbortSignal): Promise<number> {
      if (n <= 0) return 0;
      if (desired === undefined)
        adopt(await describeGroup(clients.autoscaling, options.groupName, signal));
      const from = desired ?? 0;
      const target = Math.min(from + n, maxSize);
      if (target <= from) {
        logger.warn({ desired: from, maxSize }, 'group is at its maximum size');
        return 0;
      }
      await changeDesiredCapacity(clients.autoscaling, options.groupName, target, signal);
      desired = target;
      return target - from;
    },
    async decrease(ids: readonly string[], signal?: AbortSignal): Promise<string[]> {
      const done = await terminateInstances(
        { autoscaling: clients.autoscaling, logger },
        ids,
        signal,
      );
      if (desired !== undefined) desired = Math.max(0, desired - done.length);
      return done;
    },
    async connectInfo(id: string, signal?: AbortSignal): Promise<ConnectInfo> {
      if (!connect) throw new SpotrunnerError('state', 'aws provider: connectInfo before init');
      const fresh = await connect.connectInfo(id, signal);
      details.put([fresh.details]);
      return fresh.info;
    },
    async shutdown(): Promise<void> {
      await queue?.stop();
      queue = undefined;
    },
    launchFailures: (sinceMs, signal) =>
      describeLaunchFailures(clients.autoscaling, options.groupName, { sinceMs, signal }),
    instanceDetails: (id) => details.get(id),
    ownership: (id) => {
      const d = details.get(id);
      return d ? ownershipOf(d, options.managerName) : undefined;
    },
    reportInterruption: (id, notice, source = 'metadata') => record(id, notice, source),
    pollInterruptionQueue: async (signal) => (queue ? queue.pollOnce(signal) : 0),
  };
}
