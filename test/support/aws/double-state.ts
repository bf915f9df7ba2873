/**
 * What the AWS double does: groups that launch instances (through the backing provider) until
 * they reach their desired capacity, terminate on request, fail launches when told to, and
 * reclaim spot instances after an interruption notice. Time comes from the Clock it is given.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../src/platform/clock.js';
import { BackingLauncher } from './backing-launcher.js';
import type {
  AwsDoubleBacking,
  AwsDoubleGroupSpec,
  DoubleActivity,
  DoubleGroup,
  DoubleInstance,
  LaunchFailureSetting,
  TemplateVersion,
} from './double-model.js';
import { AwsFault } from './query-params.js';

export interface DoubleStateOptions {
  clock: Clock;
  region: string;
  accountId: string;
  bootMs: number;
  backing: AwsDoubleBacking;
  groups: readonly AwsDoubleGroupSpec[];
}

export class DoubleState {
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  readonly groups = new Map<string, DoubleGroup>();
  readonly instances = new Map<string, DoubleInstance>();
  readonly activities: DoubleActivity[] = [];
  readonly templates: TemplateVersion[] = [];
  readonly launcher: BackingLauncher;
  launchFailure?: LaunchFailureSetting;
  readonly #bootMs: number;
  #seq = 0;

  constructor(options: DoubleStateOptions) {
    this.clock = options.clock;
    this.region = options.region;
    this.accountId = options.accountId;
    this.#bootMs = options.bootMs;
    this.launcher = new BackingLauncher(options.backing);
    for (const spec of options.groups) this.addGroup(spec);
  }

  nextHex(width: number): string {
    this.#seq++;
    return this.#seq.toString(16).padStart(width, '0');
  }

  addGroup(spec: AwsDoubleGroupSpec): void {
    const types = spec.instanceTypes?.length ? spec.instanceTypes : ['m7i.large'];
    const template = spec.launchConfigurationName
      ? undefined
      : {
          id: spec.launchTemplate?.id ?? `lt-0${this.nextHex(16)}`,
          name: spec.launchTemplate?.name ?? `${spec.name}-template`,
          version: spec.launchTemplate?.version ?? '$Latest',
        };
    if (template) {
      this.templates.push({
        templateId: template.id,
        templateName: template.name,
        number: 1,
        isDefault: true,
        httpTokens: spec.launchTemplate?.httpTokens ?? 'required',
        instanceType: types[0],
      });
    }
    this.groups.set(spec.name, {
      name: spec.name,
      arn: `arn:aws:autoscaling:${this.region}:${this.accountId}:autoScalingGroup:${randomUUID()}:autoScalingGroupName/${spec.name}`,
      minSize: spec.min ?? 0,
      maxSize: spec.max,
      desired: spec.desired ?? 0,
      instanceTypes: types,
      spot: spec.spot ?? true,
      mixed: spec.mixedInstancesPolicy ?? types.length > 1,
      onDemandBase: spec.onDemandBaseCapacity ?? 0,
      protect: spec.protectFromScaleIn ?? true,
      suspended: [...(spec.suspendedProcesses ?? ['AZRebalance'])],
      capacityRebalance: spec.capacityRebalance ?? false,
      policies: [...(spec.policies ?? [])],
      launchTemplate: template,
      launchConfigurationName: spec.launchConfigurationName,
      zones: spec.zones?.length ? spec.zones : [`${this.region}a`, `${this.region}b`],
      tags: [...(spec.tags ?? [])],
      platform: spec.platform,
      architecture: spec.architecture ?? 'x86_64',
      publicIps: spec.publicIps ?? false,
      launches: 0,
    });
  }

  group(name: string): DoubleGroup {
    const group = this.groups.get(name);
    if (!group)
      throw new AwsFault(
        'ValidationError',
        `AutoScalingGroup name not found - AutoScalingGroup '${name}' not found`,
      );
    return group;
  }

  instance(id: string): DoubleInstance | undefined {
    return this.instances.get(id);
  }

  members(group: string): DoubleInstance[] {
    return [...this.instances.values()].filter((i) => i.group === group && i.inGroup);
  }

  /** Advances every instance's state to "now" and makes each group meet its desired capacity. */
  refresh(): void {
    const now = this.clock.now();
    for (const i of this.instances.values()) {
      if (i.lifecycleState === 'Pending' && i.backingReady && now >= i.readyAtMs) {
        i.lifecycleState = 'InService';
        i.ec2State = 'running';
      }
      if (i.lifecycleState === 'Terminating' && i.backingGone) {
        i.inGroup = false;
        i.ec2State = 'terminated';
      }
    }
    for (const group of this.groups.values()) this.#reconcile(group, now);
  }

  #reconcile(group: DoubleGroup, now: number): void {
    const live = this.members(group.name).filter((i) => i.lifecycleState !== 'Terminating');
    const shortfall = group.desired - live.length;
    if (shortfall > 0) {
      const failure = this.launchFailure;
      if (failure && (failure.group === undefined || failure.group === group.name))
        this.#failLaunch(group, now, shortfall);
      else for (let k = 0; k < shortfall; k++) this.#launch(group, now);
    } else if (shortfall < 0 && !group.protect) {
      for (const victim of live.slice(shortfall)) this.terminate(victim.id, false, 'scale-in');
    }
  }

  #failLaunch(group: DoubleGroup, now: number, shortfall: number): void {
    const failure = this.launchFailure!;
    const last = this.activities.findLast((a) => a.group === group.name);
    if (last?.statusCode === 'Failed' && now - last.endMs < 1_000) return;
    this.#activity(
      group.name,
      now,
      'Failed',
      `Launching a new EC2 instance.  Status Reason: ${failure.message}`,
      `Launching a new EC2 instance. Status Reason: Could not launch ${group.spot ? 'Spot' : 'On-Demand'} Instances. ${failure.code} - ${failure.message}. Launching EC2 instance failed.`,
      `an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${group.desired - shortfall} to ${group.desired}`,
    );
    if (failure.remaining !== undefined && --failure.remaining <= 0) this.launchFailure = undefined;
  }

  #activity(
    group: string,
    now: number,
    statusCode: DoubleActivity['statusCode'],
    description: string,
    statusMessage: string | undefined,
    cause: string,
  ): void {
    this.activities.push({
      id: randomUUID(),
      group,
      startMs: now,
      endMs: now,
      statusCode,
      statusMessage,
      description,
      cause,
    });
  }

  #launch(group: DoubleGroup, now: number): void {
    const index = group.launches++;
    const id = `i-0${this.nextHex(16)}`;
    const lifecycle =
      group.spot && !(group.mixed && index < group.onDemandBase) ? 'spot' : 'on-demand';
    const tags: Record<string, string> = { 'aws:autoscaling:groupName': group.name };
    for (const t of group.tags) if (t.propagateAtLaunch) tags[t.key] = t.value;
    const instance: DoubleInstance = {
      id,
      group: group.name,
      lifecycleState: 'Pending',
      ec2State: 'pending',
      backingReady: false,
      backingGone: false,
      launchedAtMs: now,
      readyAtMs: now + this.#bootMs,
      instanceType: group.instanceTypes[index % group.instanceTypes.length]!,
      zone: group.zones[index % group.zones.length]!,
      lifecycle,
      spotRequestId: lifecycle === 'spot' ? `sir-${this.nextHex(8)}` : undefined,
      spotStatus:
        lifecycle === 'spot'
          ? { code: 'fulfilled', updatedAtMs: now, message: 'Your spot request is fulfilled.' }
          : undefined,
      publicIp: group.publicIps ? `198.51.100.${(this.#seq % 250) + 1}` : undefined,
      platform: group.platform,
      architecture: group.architecture,
      tags,
      imds: {},
      inGroup: true,
    };
    this.instances.set(id, instance);
    this.#activity(
      group.name,
      now,
      'Successful',
      `Launching a new EC2 instance: ${id}`,
      undefined,
      'an instance was started in response to a difference between desired and actual capacity',
    );
    this.launcher.launch(instance);
  }

  /**
   * Starts terminating an instance of a group; with `decrement`, lowers desired capacity, which
   * AWS refuses (ValidationError) while desired capacity equals MinSize.
   */
  terminate(id: string, decrement: boolean, cause = 'user request'): DoubleInstance {
    const instance = this.instances.get(id);
    if (!instance || !instance.inGroup) {
      throw new AwsFault(
        'ValidationError',
        `Instance Id not found - No managed instance found for instance ID: ${id}`,
      );
    }
    const group = this.group(instance.group);
    if (instance.lifecycleState !== 'Terminating') {
      if (decrement && group.desired <= group.minSize) {
        throw new AwsFault(
          'ValidationError',
          `Currently, desiredSize equals minSize (${group.minSize}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.`,
        );
      }
      instance.lifecycleState = 'Terminating';
      instance.ec2State = 'shutting-down';
      if (decrement) group.desired -= 1;
      this.#activity(
        group.name,
        this.clock.now(),
        'InProgress',
        `Terminating EC2 instance: ${id}`,
        undefined,
        cause,
      );
      this.launcher.terminate(instance);
    }
    return instance;
  }

  /** EC2 TerminateInstances: the instance ends, leaving its group if it was in one. */
  terminateInstance(id: string): DoubleInstance {
    const instance = this.instances.get(id)!;
    if (instance.ec2State === 'terminated' || instance.ec2State === 'shutting-down')
      return instance;
    if (instance.inGroup) {
      this.vanish(id);
      return instance;
    }
    instance.ec2State = 'terminated';
    this.launcher.terminate(instance);
    return instance;
  }

  /**
   * A running instance outside every group, as a detached instance or one whose group was
   * deleted leaves it (no backing: nothing to connect to). `group` sets its
   * `aws:autoscaling:groupName` tag.
   */
  addStandalone(options: {
    tags: Record<string, string>;
    group?: string;
    launchedAtMs?: number;
    instanceType?: string;
  }): DoubleInstance {
    const id = `i-0${this.nextHex(16)}`;
    const launchedAtMs = options.launchedAtMs ?? this.clock.now();
    const instance: DoubleInstance = {
      id,
      group: options.group ?? '',
      lifecycleState: 'InService',
      ec2State: 'running',
      backingReady: true,
      backingGone: false,
      launchedAtMs,
      readyAtMs: launchedAtMs,
      instanceType: options.instanceType ?? 'm7i.large',
      zone: `${this.region}a`,
      lifecycle: 'on-demand',
      architecture: 'x86_64',
      tags: {
        ...(options.group ? { 'aws:autoscaling:groupName': options.group } : {}),
        ...options.tags,
      },
      imds: {},
      inGroup: false,
    };
    this.instances.set(id, instance);
    return instance;
  }

  /** The instance leaves its group but keeps running (DetachInstances); desired stays. */
  detach(id: string): void {
    const instance = this.instances.get(id);
    if (instance?.inGroup) instance.inGroup = false;
  }

  /** The instance disappears from its group (spot reclaim) without a request; desired stays. */
  vanish(id: string): void {
    const instance = this.instances.get(id);
    if (!instance?.inGroup) return;
    instance.inGroup = false;
    instance.ec2State = 'terminated';
    if (instance.spotStatus && !instance.spotStatus.code.startsWith('instance-terminated')) {
      instance.spotStatus = {
        code: 'instance-terminated-no-capacity',
        updatedAtMs: this.clock.now(),
        message: 'Your Spot Instance was interrupted.',
      };
    }
    this.launcher.terminate(instance);
  }
}
