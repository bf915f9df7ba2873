/**
 * What a test can do to the AWS double: interrupt a spot instance (spot request status, the
 * EventBridge message, IMDS instance-action, then the reclaim), make an instance vanish, fail
 * launches for lack of capacity, throttle or fail calls, and change group settings for verify.
 */
import { randomUUID } from 'node:crypto';
import type {
  DoubleGroup,
  DoubleInstance,
  LaunchFailureSetting,
  PushedKey,
} from './double-model.js';
import type { InjectedFailure, RecordedRequest, RouterContext } from './double-router.js';
import type { DoubleState } from './double-state.js';
import type { QueueMessage, SqsQueue } from './sqs-queue.js';

export interface InterruptOptions {
  kind?: 'termination' | 'rebalance';
  /** Time between the warning and the reclaim (AWS: 2 minutes). */
  noticeMs?: number;
  action?: 'terminate' | 'stop' | 'hibernate';
}

export interface GroupPatch {
  min?: number;
  max?: number;
  desired?: number;
  protectFromScaleIn?: boolean;
  suspendedProcesses?: readonly string[];
  capacityRebalance?: boolean;
  policies?: readonly string[];
  /** IMDS setting of a new launch template version the group then launches. */
  httpTokens?: 'required' | 'optional';
}

export interface AwsDoubleControls {
  /** Copies of the instances (all groups, or one), including terminated ones. */
  instances(group?: string): DoubleInstance[];
  /** A copy of a group's settings and desired capacity. */
  group(name: string): DoubleGroup;
  /** Waits until every launch/termination on the backing has finished, then refreshes. */
  settled(): Promise<void>;
  interrupt(instanceId: string, options?: InterruptOptions): void;
  vanish(instanceId: string): void;
  /** The instance leaves its group but keeps running (as DetachInstances does). */
  detach(instanceId: string): void;
  /** A running instance outside every group with these tags; returns its id. */
  addStandalone(options: {
    tags: Record<string, string>;
    group?: string;
    ageMs?: number;
    instanceType?: string;
  }): string;
  /** Launches fail (of one group, or of all) until cleared or `count` attempts have failed. */
  failLaunches(setting: { code?: string; message?: string; count?: number; group?: string }): void;
  clearLaunchFailures(): void;
  /** The next `n` API calls answer with the service's throttling error. */
  throttle(n: number): void;
  /**
   * Answers of `action` from now on reflect the state when the call arrived, but are sent only
   * after the returned release is called (a slow response racing other calls).
   */
  holdResponses(action: string): () => void;
  failAction(
    action: string,
    failure: Partial<Omit<InjectedFailure, 'action'>> & { code: string },
  ): void;
  updateGroup(name: string, patch: GroupPatch): void;
  sendQueueMessage(body: string): string;
  queueMessages(): QueueMessage[];
  pushedKeys(instanceId?: string): PushedKey[];
  readonly requests: RecordedRequest[];
  /** IMDS base URL of one instance (use as checkInstanceMetadata's baseUrl). */
  metadataUrl(instanceId: string): string;
  /** Failures of backing operations (should stay empty). */
  backingErrors(): string[];
  cancelTimers(): void;
}

function eventBody(
  state: DoubleState,
  detailType: string,
  instanceId: string,
  detail: Record<string, string>,
): string {
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'aws.ec2',
    account: state.accountId,
    time: new Date(state.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: state.region,
    resources: [`arn:aws:ec2:${state.region}:${state.accountId}:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, ...detail },
  });
}

export function createDoubleControls(deps: {
  state: DoubleState;
  ctx: RouterContext;
  queue: SqsQueue;
  endpoint: string;
}): AwsDoubleControls {
  return new DoubleControls(deps.state, deps.ctx, deps.queue, deps.endpoint);
}

class DoubleControls implements AwsDoubleControls {
  readonly #state: DoubleState;
  readonly #ctx: RouterContext;
  readonly #queue: SqsQueue;
  readonly #endpoint: string;
  readonly #timers = new Set<() => void>();

  constructor(state: DoubleState, ctx: RouterContext, queue: SqsQueue, endpoint: string) {
    this.#state = state;
    this.#ctx = ctx;
    this.#queue = queue;
    this.#endpoint = endpoint;
  }

  get requests(): RecordedRequest[] {
    return this.#ctx.requests;
  }

  instances(group?: string): DoubleInstance[] {
    return [...this.#state.instances.values()]
      .filter((i) => !group || i.group === group)
      .map((i) => ({ ...i, tags: { ...i.tags }, imds: { ...i.imds } }));
  }

  group(name: string): DoubleGroup {
    this.#state.refresh();
    const g = this.#state.group(name);
    return { ...g, suspended: [...g.suspended], policies: [...g.policies], tags: [...g.tags] };
  }

  async settled(): Promise<void> {
    this.#state.refresh();
    await this.#state.launcher.idle();
    this.#state.refresh();
  }

  interrupt(id: string, options: InterruptOptions = {}): void {
    const state = this.#state;
    const instance = this.#spotInstance(id);
    const now = state.clock.now();
    if ((options.kind ?? 'termination') === 'rebalance') {
      instance.imds.rebalanceAtMs = now;
      this.#queue.send(eventBody(state, 'EC2 Instance Rebalance Recommendation', id, {}));
      return;
    }
    const action = options.action ?? 'terminate';
    const noticeMs = options.noticeMs ?? 120_000;
    instance.spotStatus = {
      code: `marked-for-${action === 'terminate' ? 'termination' : action}`,
      updatedAtMs: now,
      message: 'Your Spot Instance is marked to be interrupted.',
    };
    instance.imds.instanceAction = { action, timeMs: now + noticeMs };
    this.#queue.send(
      eventBody(state, 'EC2 Spot Instance Interruption Warning', id, { 'instance-action': action }),
    );
    const cancel = state.clock.schedule(noticeMs, () => {
      this.#timers.delete(cancel);
      instance.spotStatus = {
        code: 'instance-terminated-by-price',
        updatedAtMs: state.clock.now(),
        message: 'Your Spot Instance was terminated.',
      };
      state.vanish(id);
    });
    this.#timers.add(cancel);
  }

  vanish(id: string): void {
    this.#state.vanish(id);
  }

  detach(id: string): void {
    this.#state.detach(id);
  }

  addStandalone(options: {
    tags: Record<string, string>;
    group?: string;
    ageMs?: number;
    instanceType?: string;
  }): string {
    return this.#state.addStandalone({
      tags: options.tags,
      ...(options.group ? { group: options.group } : {}),
      ...(options.instanceType ? { instanceType: options.instanceType } : {}),
      launchedAtMs: this.#state.clock.now() - (options.ageMs ?? 0),
    }).id;
  }

  failLaunches(setting: { code?: string; message?: string; count?: number; group?: string }): void {
    const failure: LaunchFailureSetting = {
      ...(setting.group ? { group: setting.group } : {}),
      code: setting.code ?? 'InsufficientInstanceCapacity',
      message: setting.message ?? 'There is no Spot capacity available that matches your request.',
      remaining: setting.count,
    };
    this.#state.launchFailure = failure;
    this.#state.refresh();
  }

  clearLaunchFailures(): void {
    this.#state.launchFailure = undefined;
    this.#state.refresh();
  }

  throttle(n: number): void {
    this.#ctx.throttleLeft.count = n;
  }

  holdResponses(action: string): () => void {
    let release!: () => void;
    const hold = { action, gate: new Promise<void>((resolve) => (release = resolve)) };
    this.#ctx.holds.push(hold);
    return () => {
      const at = this.#ctx.holds.indexOf(hold);
      if (at >= 0) this.#ctx.holds.splice(at, 1);
      release();
    };
  }

  failAction(
    action: string,
    failure: Partial<Omit<InjectedFailure, 'action'>> & { code: string },
  ): void {
    this.#ctx.failures.push({ action, message: 'injected failure', status: 400, ...failure });
  }

  updateGroup(name: string, patch: GroupPatch): void {
    const g = this.#state.group(name);
    if (patch.min !== undefined) g.minSize = patch.min;
    if (patch.max !== undefined) g.maxSize = patch.max;
    if (patch.desired !== undefined) g.desired = patch.desired;
    if (patch.protectFromScaleIn !== undefined) g.protect = patch.protectFromScaleIn;
    if (patch.suspendedProcesses) g.suspended = [...patch.suspendedProcesses];
    if (patch.capacityRebalance !== undefined) g.capacityRebalance = patch.capacityRebalance;
    if (patch.policies) g.policies = [...patch.policies];
    if (patch.httpTokens && g.launchTemplate)
      this.#newTemplateVersion(g.launchTemplate, patch.httpTokens);
  }

  sendQueueMessage(body: string): string {
    return this.#queue.send(body);
  }

  queueMessages(): QueueMessage[] {
    return this.#queue.messages.map((m) => ({ ...m }));
  }

  pushedKeys(id?: string): PushedKey[] {
    return this.#ctx.pushedKeys.filter((k) => id === undefined || k.instanceId === id);
  }

  metadataUrl(id: string): string {
    return `${this.#endpoint}/imds/${id}`;
  }

  backingErrors(): string[] {
    return [...this.#state.launcher.errors];
  }

  cancelTimers(): void {
    for (const cancel of this.#timers) cancel();
    this.#timers.clear();
  }

  #spotInstance(id: string): DoubleInstance {
    const instance = this.#state.instance(id);
    if (!instance?.inGroup) throw new Error(`no instance ${id} in any group`);
    if (instance.lifecycle !== 'spot') {
      throw new Error(`instance ${id} is on-demand: only spot instances are interrupted`);
    }
    return instance;
  }

  /** A new template version with this IMDS setting, made the default (the group uses it). */
  #newTemplateVersion(
    template: { id: string; name: string },
    httpTokens: 'required' | 'optional',
  ): void {
    const versions = this.#state.templates.filter((t) => t.templateId === template.id);
    const number = Math.max(...versions.map((v) => v.number)) + 1;
    for (const v of versions) v.isDefault = false;
    this.#state.templates.push({
      templateId: template.id,
      templateName: template.name,
      number,
      isDefault: true,
      httpTokens,
    });
  }
}
