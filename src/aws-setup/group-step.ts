/**
 * One Auto Scaling group exactly as `spotrunner verify` wants it: MinSize 0 (DesiredCapacity 0
 * when created; never changed afterwards, the manager owns it), MaxSize from max_instances,
 * scale-in protection, AZRebalance suspended, no capacity rebalance, a mixed instances policy
 * over several types launching the template's `$Default` version — all spot with
 * price-capacity-optimized, or all on-demand for the fallback group — and the ownership tags.
 */
import {
  CreateAutoScalingGroupCommand,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
  type MixedInstancesPolicy,
  type Tag,
} from '@aws-sdk/client-auto-scaling';
import { callAws } from '../providers/aws/aws-errors.js';
import { MANAGER_TAG, RUNNER_TAG } from '../providers/aws/group-tags.js';
import { SETUP_TAG } from './setup-clients.js';
import type { GroupSpec } from './setup-settings.js';
import {
  fieldChanges,
  requireOwnTag,
  tagRecord,
  upToDate,
  type SetupContext,
  type SetupStep,
  type StepPlan,
} from './setup-step.js';

export function wantedMixedPolicy(ctx: SetupContext, group: GroupSpec): MixedInstancesPolicy {
  return {
    LaunchTemplate: {
      LaunchTemplateSpecification: {
        LaunchTemplateName: ctx.spec.templateName,
        Version: '$Default',
      },
      Overrides: ctx.spec.instanceTypes.map((t) => ({ InstanceType: t })),
    },
    InstancesDistribution: {
      OnDemandBaseCapacity: 0,
      OnDemandPercentageAboveBaseCapacity: group.spot ? 0 : 100,
      ...(group.spot ? { SpotAllocationStrategy: 'price-capacity-optimized' } : {}),
    },
  };
}

function wantedTags(ctx: SetupContext, group: GroupSpec): Tag[] {
  const tag = (Key: string, Value: string, PropagateAtLaunch: boolean): Tag => ({
    ResourceId: group.name,
    ResourceType: 'auto-scaling-group',
    Key,
    Value,
    PropagateAtLaunch,
  });
  return [
    tag(MANAGER_TAG, ctx.spec.managerName, true),
    tag(RUNNER_TAG, ctx.spec.runnerName, true),
    tag(SETUP_TAG, ctx.spec.setupId, false),
  ];
}

function placement(ctx: SetupContext): {
  VPCZoneIdentifier?: string;
  AvailabilityZones?: string[];
} {
  return ctx.spec.subnets.length
    ? { VPCZoneIdentifier: ctx.spec.subnets.join(',') }
    : { AvailabilityZones: [...ctx.spec.zones] };
}

function comparable(g: AutoScalingGroup | undefined): Record<string, unknown> {
  const m = g?.MixedInstancesPolicy;
  const d = m?.InstancesDistribution;
  const spec = m?.LaunchTemplate?.LaunchTemplateSpecification;
  return {
    MinSize: g?.MinSize,
    MaxSize: g?.MaxSize,
    NewInstancesProtectedFromScaleIn: g?.NewInstancesProtectedFromScaleIn,
    CapacityRebalance: g?.CapacityRebalance ?? false,
    LaunchTemplate: spec && `${spec.LaunchTemplateName}@${spec.Version}`,
    InstanceTypes: (m?.LaunchTemplate?.Overrides ?? []).map((o) => o.InstanceType),
    OnDemandPercent: d?.OnDemandPercentageAboveBaseCapacity,
    SpotAllocationStrategy:
      (d?.OnDemandPercentageAboveBaseCapacity ?? 100) < 100 ? d?.SpotAllocationStrategy : undefined,
    Placement: g?.VPCZoneIdentifier || [...(g?.AvailabilityZones ?? [])].sort().join(','),
  };
}

async function planGroup(ctx: SetupContext, group: GroupSpec): Promise<StepPlan> {
  const { autoscaling } = ctx.clients;
  const resource = `${group.spot ? 'spot' : 'on-demand fallback'} group ${group.name}`;
  const listing = await callAws('autoscaling:DescribeAutoScalingGroups', () =>
    autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group.name] })),
  );
  const current = listing.AutoScalingGroups?.[0];
  const settings = {
    MinSize: 0,
    MaxSize: group.maxSize,
    NewInstancesProtectedFromScaleIn: true,
    CapacityRebalance: false,
    MixedInstancesPolicy: wantedMixedPolicy(ctx, group),
    ...placement(ctx),
  };
  const tags = wantedTags(ctx, group);
  const suspend = (): Promise<unknown> =>
    callAws('autoscaling:SuspendProcesses', () =>
      autoscaling.send(
        new SuspendProcessesCommand({
          AutoScalingGroupName: group.name,
          ScalingProcesses: ['AZRebalance'],
        }),
      ),
    );
  if (!current) {
    return {
      resource,
      action: 'create',
      changes: [`create with ${JSON.stringify(comparable({ ...settings } as AutoScalingGroup))}`],
      apply: async () => {
        await callAws('autoscaling:CreateAutoScalingGroup', () =>
          autoscaling.send(
            new CreateAutoScalingGroupCommand({
              AutoScalingGroupName: group.name,
              DesiredCapacity: 0,
              ...settings,
              Tags: tags,
            }),
          ),
        );
        await suspend();
      },
    };
  }
  const currentTags = tagRecord(current.Tags);
  requireOwnTag(resource, currentTags, ctx.spec.setupId);
  const want = comparable({ ...settings } as AutoScalingGroup);
  const changes = fieldChanges(comparable(current), want);
  const suspended = (current.SuspendedProcesses ?? []).some((p) => p.ProcessName === 'AZRebalance');
  const missingTags = tags.filter((t) => {
    const now = current.Tags?.find((c) => c.Key === t.Key);
    return now?.Value !== t.Value || Boolean(now?.PropagateAtLaunch) !== t.PropagateAtLaunch;
  });
  const lines = [
    ...changes,
    ...(suspended ? [] : ['suspend AZRebalance']),
    ...missingTags.map(
      (t) => `tag ${t.Key}=${t.Value}${t.PropagateAtLaunch ? ' (propagated)' : ''}`,
    ),
  ];
  if (lines.length === 0) return upToDate(resource);
  return {
    resource,
    action: 'update',
    changes: lines,
    apply: async () => {
      if (changes.length > 0)
        await callAws('autoscaling:UpdateAutoScalingGroup', () =>
          autoscaling.send(
            new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: group.name, ...settings }),
          ),
        );
      if (!suspended) await suspend();
      if (missingTags.length > 0)
        await callAws('autoscaling:CreateOrUpdateTags', () =>
          autoscaling.send(new CreateOrUpdateTagsCommand({ Tags: missingTags })),
        );
    },
  };
}

/** One step per group (the primary, and the fallback when there is one). */
export function groupSteps(groups: readonly GroupSpec[]): SetupStep[] {
  return groups.map((g) => ({ plan: (ctx: SetupContext) => planGroup(ctx, g) }));
}
