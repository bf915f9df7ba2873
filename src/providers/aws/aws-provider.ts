/**
 * The aws provider: one Auto Scaling group driven as fleeting-plugin-aws drives it (Describe to
 * watch, SetDesiredCapacity to grow, TerminateInstanceInAutoScalingGroup with decrement to remove
 * one instance), plus instance details, interruption notices and EC2 Instance Connect keys.
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
import { liveSpotInstances, toInstanceInfos } from './group-listing.js';
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
import { changeDesiredCapacity } from './group-capacity.js';
import { GroupRemovals, type GroupSizes, type HeldRemovalsStore } from './group-removals.js';
import { describeSpotNotices } from './spot-notices.js';

/** fleeting-plugin-aws never reports more than this. */
export const AWS_MAX_GROUP_SIZE = 1000;
export interface AwsProviderDeps {
  clock: Clock;
  logger: Logger;
  clients: AwsClients;
  /** Called when a notice arrives between updates (SQS feed, IMDS check), to update at once. */
  onInterruption?: (instanceId: string, notice: InterruptionNotice) => void;
  /** Keeps removals held at MinSize across restarts (group-removals.ts). */
  heldRemovals?: HeldRemovalsStore;
}

export interface AwsProvider extends Provider {
  readonly groupName: string;
  cancelRequested(n: number, signal?: AbortSignal): Promise<number>;
  /** Failed launches recorded by the group since `sinceMs` (capacity errors as `provider_capacity`). */
  launchFailures(sinceMs: number, signal?: AbortSignal): Promise<LaunchFailure[]>;
  /** Cached EC2 details of an instance in the group (after an update has listed it). */
  instanceDetails(id: string): InstanceDetails | undefined;
  /** Whether the group listed this instance at the last update. */
  ownsInstance(id: string): boolean;
  /** Whose instance this is, by its `spotrunner:manager` tag (undefined = not described yet). */
  ownership(id: string): Ownership | undefined;
  /** Records a notice found elsewhere (e.g. by `checkInstanceMetadata`); returns true if new. */
  reportInterruption(id: string, notice: InterruptionNotice, source?: NoticeSource): boolean;
  /** One receive on the interruption queue (the background loop does this continuously). */
  pollInterruptionQueue(signal?: AbortSignal): Promise<number>;
}

export function createAwsProvider(deps: AwsProviderDeps, options: AwsProviderOptions): AwsProvider {
  return new AwsGroupProvider(deps, options);
}

class AwsGroupProvider implements AwsProvider {
  readonly groupName: string;
  readonly #deps: AwsProviderDeps;
  readonly #options: AwsProviderOptions;
  readonly #logger: Logger;
  readonly #details = new InstanceDetailsCache();
  readonly #notices = new NoticeBook();
  #desired: number | undefined;
  /**
   * Changes of the desired count this provider made (bumped when one starts) and those still in
   * flight: a listing is trusted for the desired count only if none started while it was out.
   */
  #changesStarted = 0;
  #changesInFlight = 0;
  /** increase, cancelRequested and decrease run one at a time: each computes from the last. */
  #capacityQueue: Promise<unknown> = Promise.resolve();
  #maxSize = 0;
  #minSize = 0;
  readonly #removals: GroupRemovals;
  #groupIds = new Set<string>();
  #queue: InterruptionQueue | undefined;
  #connect: ConnectInfoSource | undefined;

  constructor(deps: AwsProviderDeps, options: AwsProviderOptions) {
    this.groupName = options.groupName;
    this.#deps = deps;
    this.#options = options;
    this.#logger = deps.logger.child({ provider: 'aws', group: options.groupName });
    this.#removals = new GroupRemovals(
      { autoscaling: deps.clients.autoscaling, logger: this.#logger },
      options.groupName,
      deps.heldRemovals,
    );
  }

  async init(signal?: AbortSignal): Promise<ProviderInfo> {
    const { clients } = this.#deps;
    const region =
      this.#options.region ??
      (await callAws('resolve region', () => clients.autoscaling.config.region()));
    const group = await describeGroup(clients.autoscaling, this.groupName, signal);
    if (!group.newInstancesProtectedFromScaleIn) {
      this.#logger.error(
        {},
        'auto scaling group does not protect new instances from scale-in (NewInstancesProtectedFromScaleIn is false)',
      );
    }
    this.#adopt(group, true);
    if (this.#maxSize === 0)
      this.#logger.warn({}, 'auto scaling group has MaxSize 0: no instance can start');
    this.#removals.checkMinSize(group.minSize);
    await this.#checkTags(group, signal);
    this.#connect = await createConnectInfoSource(
      { clock: this.#deps.clock, clients, logger: this.#logger },
      this.#options,
    );
    this.#startQueue();
    return {
      id: `aws/${region}/${this.groupName}`,
      maxSize: this.#maxSize,
      capabilities: ['interruption-notices', 'instance-types'],
    };
  }

  async update(signal?: AbortSignal): Promise<InstanceInfo[]> {
    const group = await this.#describe(signal);
    await this.#fillDetails(
      group.instances.map((i) => i.id),
      signal,
    );
    await this.#checkSpotRequests(group, signal);
    // Marked before a release, so that a removal issued now is listed as under way already.
    const infos = this.#removals.mark(
      toInstanceInfos(group, this.#details, this.#notices),
      group.minSize,
    );
    await this.#releaseHeld(signal);
    return infos;
  }

  async increase(n: number, signal?: AbortSignal): Promise<number> {
    if (n <= 0) return 0;
    return this.#changeCapacity(async () => {
      if (this.#desired === undefined) {
        // No other change can start meanwhile: this listing is the truth.
        this.#adopt(
          await describeGroup(this.#deps.clients.autoscaling, this.groupName, signal),
          true,
        );
      }
      const from = this.#desired ?? 0;
      const target = Math.min(from + n, this.#maxSize);
      if (target <= from) {
        this.#logger.warn(
          { desired: from, maxSize: this.#maxSize },
          'group is at its maximum size',
        );
        return 0;
      }
      await changeDesiredCapacity(this.#deps.clients.autoscaling, this.groupName, target, signal);
      this.#desired = target;
      return target - from;
    });
  }

  /**
   * Lowers the desired count by up to `n`, never below the instances the group holds (not
   * terminating) nor its MinSize: the group stops trying to launch capacity nobody waits for.
   */
  async cancelRequested(n: number, signal?: AbortSignal): Promise<number> {
    if (n <= 0) return 0;
    return this.#changeCapacity(async () => {
      // Fresh, and no other change can start meanwhile: this listing is the truth.
      const group = await describeGroup(this.#deps.clients.autoscaling, this.groupName, signal);
      this.#adopt(group, true);
      const held = group.instances.filter(
        (i) => mapLifecycleState(i.lifecycleState) !== 'deleting',
      );
      const from = group.desiredCapacity;
      const target = Math.max(held.length, group.minSize, from - n);
      if (target >= from) return 0;
      await changeDesiredCapacity(this.#deps.clients.autoscaling, this.groupName, target, signal);
      this.#desired = target;
      this.#logger.warn(
        { from, to: target },
        'lowered desired capacity: requested instances were never launched',
      );
      return from - target;
    });
  }

  /** Removals beyond what MinSize allows are held and issued later (group-removals.ts). */
  async decrease(ids: readonly string[], signal?: AbortSignal): Promise<string[]> {
    return this.#changeCapacity(async () => {
      const group = { ...this.#sizes(), ids: this.#groupIds };
      const result = await this.#removals.remove(ids, group, signal);
      this.#lowerDesired(result.terminated);
      return result.accepted;
    });
  }

  #sizes = (): GroupSizes => ({ desired: this.#desired, minSize: this.#minSize });

  #lowerDesired(by: number): void {
    if (this.#desired !== undefined) this.#desired = Math.max(0, this.#desired - by);
  }

  /** Issues held removals once the group is above MinSize. */
  async #releaseHeld(signal?: AbortSignal): Promise<void> {
    if (!this.#removals.canRelease(this.#groupIds, this.#sizes())) return;
    await this.#changeCapacity(async () =>
      this.#lowerDesired(await this.#removals.release(this.#sizes(), signal)),
    );
  }

  /**
   * Runs a change of the desired count after the ones before it, and marks it so that a listing
   * that was out meanwhile does not overwrite the count this provider now knows.
   */
  #changeCapacity<T>(change: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      this.#changesStarted++;
      this.#changesInFlight++;
      try {
        return await change();
      } finally {
        this.#changesInFlight--;
      }
    };
    const result = this.#capacityQueue.then(run, run);
    this.#capacityQueue = result.catch(() => undefined);
    return result;
  }

  /**
   * DescribeAutoScalingGroups, adopting what it says; its desired count only when no change of
   * ours started or was in flight while the call was out (the answer may predate the change).
   */
  async #describe(signal?: AbortSignal): Promise<GroupSnapshot> {
    const started = this.#changesStarted;
    const quiet = this.#changesInFlight === 0;
    const group = await describeGroup(this.#deps.clients.autoscaling, this.groupName, signal);
    this.#adopt(group, quiet && started === this.#changesStarted);
    return group;
  }

  async connectInfo(id: string, signal?: AbortSignal): Promise<ConnectInfo> {
    if (!this.#connect) throw new SpotrunnerError('state', 'aws provider: connectInfo before init');
    const fresh = await this.#connect.connectInfo(id, signal);
    this.#details.put([fresh.details]);
    return fresh.info;
  }

  async shutdown(): Promise<void> {
    await this.#queue?.stop();
    this.#queue = undefined;
  }

  launchFailures(sinceMs: number, signal?: AbortSignal): Promise<LaunchFailure[]> {
    return describeLaunchFailures(this.#deps.clients.autoscaling, this.groupName, {
      sinceMs,
      signal,
    });
  }

  instanceDetails(id: string): InstanceDetails | undefined {
    return this.#details.get(id);
  }

  ownsInstance(id: string): boolean {
    return this.#groupIds.has(id);
  }

  ownership(id: string): Ownership | undefined {
    const d = this.#details.get(id);
    return d ? ownershipOf(d, this.#options.managerName) : undefined;
  }

  reportInterruption(
    id: string,
    notice: InterruptionNotice,
    source: NoticeSource = 'metadata',
  ): boolean {
    if (!this.#notices.record(id, notice, source, this.#deps.clock.now())) return false;
    if (this.#groupIds.has(id)) {
      this.#logger.warn(
        { instanceId: id, kind: notice.kind, deadlineMs: notice.deadlineMs, source },
        'interruption notice',
      );
      this.#deps.onInterruption?.(id, notice);
    }
    return true;
  }

  async pollInterruptionQueue(signal?: AbortSignal): Promise<number> {
    return this.#queue ? this.#queue.pollOnce(signal) : 0;
  }

  /** Takes in a listing; its desired count only when `trustDesired` (see #describe). */
  #adopt(group: GroupSnapshot, trustDesired: boolean): void {
    if (trustDesired) {
      if (this.#desired !== undefined && this.#desired !== group.desiredCapacity) {
        this.#logger.warn(
          { expected: this.#desired, actual: group.desiredCapacity },
          'out-of-sync capacity',
        );
      }
      this.#desired = group.desiredCapacity;
    }
    this.#maxSize = Math.min(group.maxSize, AWS_MAX_GROUP_SIZE);
    this.#minSize = group.minSize;
    const previous = this.#groupIds;
    this.#groupIds = new Set(group.instances.map((i) => i.id));
    this.#details.retain(this.#groupIds);
    this.#notices.prune(this.#groupIds, (id) => previous.has(id), this.#deps.clock.now());
  }

  async #checkTags(group: GroupSnapshot, signal?: AbortSignal): Promise<void> {
    const { managerName, runnerName, tagGroup } = this.#options;
    if (!managerName && !runnerName) return;
    await ensureGroupTags(
      { autoscaling: this.#deps.clients.autoscaling, logger: this.#logger },
      this.groupName,
      group.tags,
      { managerName, runnerName, tagGroup, signal },
    );
  }

  async #fillDetails(ids: readonly string[], signal?: AbortSignal): Promise<void> {
    const missing = this.#details.missing(ids);
    if (missing.length === 0) return;
    try {
      this.#details.put(
        await describeInstanceDetails(this.#deps.clients.ec2, {
          ids: missing,
          batchSize: this.#options.describeBatchSize,
          signal,
        }),
      );
    } catch (err: unknown) {
      if (isAbortError(err)) throw err;
      this.#logger.warn(
        { err: describeError(err), instances: missing.length },
        'instance details unavailable',
      );
    }
  }

  async #checkSpotRequests(group: GroupSnapshot, signal?: AbortSignal): Promise<void> {
    if (!this.#options.spotRequestChecks) return;
    const spot = liveSpotInstances(group, this.#details);
    if (spot.length === 0) return;
    try {
      const found = await describeSpotNotices(this.#deps.clients.ec2, spot, {
        batchSize: this.#options.describeBatchSize,
        nowMs: this.#deps.clock.now(),
        signal,
      });
      for (const [id, notice] of found) this.reportInterruption(id, notice, 'spot-request');
    } catch (err: unknown) {
      if (isAbortError(err)) throw err;
      this.#logger.warn(
        { err: describeError(err) },
        'spot request check failed (needs ec2:DescribeSpotInstanceRequests)',
      );
    }
  }

  #startQueue(): void {
    const { interruptionQueueUrl, interruptionQueueWaitSeconds } = this.#options;
    if (!interruptionQueueUrl || this.#queue) return;
    const sqs = this.#deps.clients.sqs;
    if (!sqs) {
      throw new UserError(
        'plugin_config.interruption_queue_url is set but no SQS client was given',
        'config_invalid',
      );
    }
    this.#queue = createInterruptionQueue(
      { clock: this.#deps.clock, logger: this.#logger, sqs },
      {
        queueUrl: interruptionQueueUrl,
        waitSeconds: interruptionQueueWaitSeconds,
        onEvent: (event) => {
          this.reportInterruption(event.instanceId, event.notice, 'queue');
          return this.#groupIds.has(event.instanceId);
        },
      },
    );
    this.#queue.start();
  }
}
