/**
 * One DescribeAutoScalingGroups answer reduced to plain data, and the lifecycle mapping
 * fleeting-plugin-aws uses: InService → running; Terminating, Terminating:Wait,
 * Terminating:Proceed, Terminated → deleting; everything else (Pending*, Standby, Detaching,
 * Warmed:* …) → creating.
 */
import {
  DescribeAutoScalingGroupsCommand,
  type AutoScalingClient,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { SpotrunnerError } from '../../platform/errors.js';
import type { InstanceState } from '../provider.js';
import { callAws } from './aws-errors.js';
import type { GroupTag } from './group-tags.js';

export interface GroupInstance {
  id: string;
  lifecycleState: string;
  zone?: string;
  instanceType?: string;
  protectedFromScaleIn?: boolean;
}

export interface LaunchTemplateRef {
  id?: string;
  name?: string;
  version?: string;
}

export interface GroupSnapshot {
  name: string;
  arn?: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  newInstancesProtectedFromScaleIn: boolean;
  capacityRebalance: boolean;
  suspendedProcesses: string[];
  /** The launch template, directly or through the mixed instances policy. */
  launchTemplate?: LaunchTemplateRef;
  usesMixedInstancesPolicy: boolean;
  /** The instance types the mixed instances policy's overrides name (none without one). */
  overrideTypes: string[];
  launchConfigurationName?: string;
  tags: GroupTag[];
  instances: GroupInstance[];
}

const DELETING_STATES = new Set([
  'Terminating',
  'Terminating:Wait',
  'Terminating:Proceed',
  'Terminated',
]);

export function mapLifecycleState(lifecycleState: string): InstanceState {
  if (lifecycleState === 'InService') return 'running';
  if (DELETING_STATES.has(lifecycleState)) return 'deleting';
  return 'creating';
}

function launchTemplateOf(group: AutoScalingGroup): LaunchTemplateRef | undefined {
  const spec =
    group.LaunchTemplate ?? group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (!spec) return undefined;
  return { id: spec.LaunchTemplateId, name: spec.LaunchTemplateName, version: spec.Version };
}

export function toGroupSnapshot(group: AutoScalingGroup): GroupSnapshot {
  return {
    name: group.AutoScalingGroupName ?? '',
    arn: group.AutoScalingGroupARN,
    minSize: group.MinSize ?? 0,
    maxSize: group.MaxSize ?? 0,
    desiredCapacity: group.DesiredCapacity ?? 0,
    newInstancesProtectedFromScaleIn: group.NewInstancesProtectedFromScaleIn === true,
    capacityRebalance: group.CapacityRebalance === true,
    suspendedProcesses: (group.SuspendedProcesses ?? []).flatMap((p) =>
      p.ProcessName ? [p.ProcessName] : [],
    ),
    launchTemplate: launchTemplateOf(group),
    usesMixedInstancesPolicy: group.MixedInstancesPolicy !== undefined,
    overrideTypes: (group.MixedInstancesPolicy?.LaunchTemplate?.Overrides ?? []).flatMap((o) =>
      o.InstanceType ? [o.InstanceType] : [],
    ),
    launchConfigurationName: group.LaunchConfigurationName,
    tags: (group.Tags ?? []).flatMap((t) =>
      t.Key === undefined
        ? []
        : [{ key: t.Key, value: t.Value ?? '', propagateAtLaunch: t.PropagateAtLaunch === true }],
    ),
    instances: (group.Instances ?? []).flatMap((i) =>
      i.InstanceId
        ? [
            {
              id: i.InstanceId,
              lifecycleState: i.LifecycleState ?? 'Pending',
              zone: i.AvailabilityZone,
              instanceType: i.InstanceType,
              protectedFromScaleIn: i.ProtectedFromScaleIn,
            },
          ]
        : [],
    ),
  };
}

/** The named group; exactly one must exist. */
export async function describeGroup(
  autoscaling: AutoScalingClient,
  groupName: string,
  signal?: AbortSignal,
): Promise<GroupSnapshot> {
  const result = await callAws('autoscaling:DescribeAutoScalingGroups', () =>
    autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }), {
      abortSignal: signal,
    }),
  );
  const groups = (result.AutoScalingGroups ?? []).filter(
    (g) => g.AutoScalingGroupName === groupName,
  );
  if (groups.length !== 1) {
    throw new SpotrunnerError(
      'not_found',
      groups.length === 0
        ? `auto scaling group "${groupName}" not found (check plugin_config.name and region)`
        : `expected exactly one auto scaling group named "${groupName}", found ${groups.length}`,
    );
  }
  return toGroupSnapshot(groups[0]!);
}
