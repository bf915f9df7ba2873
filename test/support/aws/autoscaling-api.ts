/**
 * EC2 Auto Scaling (query protocol, 2011-01-01) as the double serves it: the actions the aws
 * provider and `verify` use. Each handler returns the `<XResult>` content, or undefined for
 * actions without output.
 */
import type { DoubleGroup, DoubleInstance } from './double-model.js';
import type { DoubleState } from './double-state.js';
import { AwsFault, type QueryParams } from './query-params.js';
import type { XmlValue } from './xml.js';

type Handler = (state: DoubleState, params: QueryParams) => XmlValue | undefined;

function instanceXml(i: DoubleInstance, group: DoubleGroup): XmlValue {
  return {
    InstanceId: i.id,
    InstanceType: i.instanceType,
    AvailabilityZone: i.zone,
    LifecycleState: i.lifecycleState,
    HealthStatus: 'Healthy',
    ProtectedFromScaleIn: group.protect,
    LaunchTemplate: group.launchTemplate
      ? {
          LaunchTemplateId: group.launchTemplate.id,
          LaunchTemplateName: group.launchTemplate.name,
          Version: '1',
        }
      : undefined,
    LaunchConfigurationName: group.launchConfigurationName,
  };
}

function groupXml(state: DoubleState, g: DoubleGroup): XmlValue {
  const template = g.launchTemplate
    ? {
        LaunchTemplateId: g.launchTemplate.id,
        LaunchTemplateName: g.launchTemplate.name,
        Version: g.launchTemplate.version,
      }
    : undefined;
  return {
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN: g.arn,
    LaunchConfigurationName: g.launchConfigurationName,
    LaunchTemplate: g.mixed ? undefined : template,
    MixedInstancesPolicy: g.mixed
      ? {
          LaunchTemplate: {
            LaunchTemplateSpecification: template,
            Overrides: g.instanceTypes.map((t) => ({ InstanceType: t })),
          },
          InstancesDistribution: {
            OnDemandBaseCapacity: g.onDemandBase,
            OnDemandPercentageAboveBaseCapacity: g.spot ? 0 : 100,
            SpotAllocationStrategy: g.spotAllocationStrategy ?? 'price-capacity-optimized',
          },
        }
      : undefined,
    MinSize: g.minSize,
    MaxSize: g.maxSize,
    DesiredCapacity: g.desired,
    DefaultCooldown: 300,
    AvailabilityZones: g.zones,
    VPCZoneIdentifier: g.vpcZoneIdentifier,
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: 300,
    CreatedTime: new Date(Date.UTC(2026, 0, 1)),
    Instances: state.members(g.name).map((i) => instanceXml(i, g)),
    SuspendedProcesses: g.suspended.map((p) => ({
      ProcessName: p,
      SuspensionReason: 'User suspended at 2026-01-01T00:00:00Z',
    })),
    Tags: g.tags.map((t) => ({
      ResourceId: g.name,
      ResourceType: 'auto-scaling-group',
      Key: t.key,
      Value: t.value,
      PropagateAtLaunch: t.propagateAtLaunch,
    })),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: g.protect,
    CapacityRebalance: g.capacityRebalance,
  };
}

const describeAutoScalingGroups: Handler = (state, params) => {
  const names = params.list('AutoScalingGroupNames.member');
  const groups = [...state.groups.values()].filter(
    (g) => names.length === 0 || names.includes(g.name),
  );
  return { AutoScalingGroups: groups.map((g) => groupXml(state, g)) };
};

const setDesiredCapacity: Handler = (state, params) => {
  const group = state.group(params.required('AutoScalingGroupName'));
  const desired = params.int('DesiredCapacity');
  if (desired === undefined)
    throw new AwsFault(
      'MissingParameter',
      'The request must contain the parameter DesiredCapacity',
    );
  if (desired > group.maxSize) {
    throw new AwsFault(
      'ValidationError',
      `New SetDesiredCapacity value ${desired} is above max value ${group.maxSize} for the AutoScalingGroup.`,
    );
  }
  if (desired < group.minSize) {
    throw new AwsFault(
      'ValidationError',
      `New SetDesiredCapacity value ${desired} is below min value ${group.minSize} for the AutoScalingGroup.`,
    );
  }
  group.desired = desired;
  state.refresh();
  return undefined;
};

const terminateInstance: Handler = (state, params) => {
  const decrement = params.bool('ShouldDecrementDesiredCapacity');
  if (decrement === undefined) {
    throw new AwsFault(
      'MissingParameter',
      'The request must contain the parameter ShouldDecrementDesiredCapacity',
    );
  }
  const instance = state.terminate(params.required('InstanceId'), decrement);
  state.refresh();
  const activity = state.activities.findLast((a) => a.description.endsWith(instance.id));
  return {
    Activity: {
      ActivityId: activity?.id,
      AutoScalingGroupName: instance.group,
      Description: `Terminating EC2 instance: ${instance.id}`,
      Cause: activity?.cause,
      StartTime: new Date(activity?.startMs ?? state.clock.now()),
      StatusCode: 'InProgress',
      Progress: 0,
    },
  };
};

const describeScalingActivities: Handler = (state, params) => {
  const name = params.get('AutoScalingGroupName');
  if (name !== undefined) state.group(name);
  const max = params.int('MaxRecords') ?? 100;
  const activities = state.activities
    .filter((a) => name === undefined || a.group === name)
    .slice()
    .reverse()
    .slice(0, max);
  return {
    Activities: activities.map((a) => ({
      ActivityId: a.id,
      AutoScalingGroupName: a.group,
      Description: a.description,
      Cause: a.cause,
      StartTime: new Date(a.startMs),
      EndTime: a.statusCode === 'InProgress' ? undefined : new Date(a.endMs),
      StatusCode: a.statusCode,
      StatusMessage: a.statusMessage,
      Progress: a.statusCode === 'InProgress' ? 50 : 100,
    })),
  };
};

const describePolicies: Handler = (state, params) => {
  const name = params.get('AutoScalingGroupName');
  const groups = [...state.groups.values()].filter((g) => name === undefined || g.name === name);
  return {
    ScalingPolicies: groups.flatMap((g) =>
      g.policies.map((p) => ({
        AutoScalingGroupName: g.name,
        PolicyName: p,
        PolicyARN: `arn:aws:autoscaling:${state.region}:${state.accountId}:scalingPolicy:${p}`,
        PolicyType: 'TargetTrackingScaling',
        Enabled: true,
      })),
    ),
  };
};

const createOrUpdateTags: Handler = (state, params) => {
  for (const tag of params.structs('Tags.member')) {
    if (tag.ResourceType !== 'auto-scaling-group' || !tag.ResourceId || !tag.Key) {
      throw new AwsFault(
        'ValidationError',
        'Each tag needs ResourceId, ResourceType auto-scaling-group and Key',
      );
    }
    const group = state.group(tag.ResourceId);
    const entry = {
      key: tag.Key,
      value: tag.Value ?? '',
      propagateAtLaunch: tag.PropagateAtLaunch === 'true',
    };
    const existing = group.tags.findIndex((t) => t.key === entry.key);
    if (existing >= 0) group.tags[existing] = entry;
    else group.tags.push(entry);
  }
  return undefined;
};

export const AUTOSCALING_ACTIONS: Readonly<Record<string, Handler>> = {
  DescribeAutoScalingGroups: describeAutoScalingGroups,
  SetDesiredCapacity: setDesiredCapacity,
  TerminateInstanceInAutoScalingGroup: terminateInstance,
  DescribeScalingActivities: describeScalingActivities,
  DescribePolicies: describePolicies,
  CreateOrUpdateTags: createOrUpdateTags,
};

export const AUTOSCALING_NAMESPACE = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';
