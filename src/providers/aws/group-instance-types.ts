/**
 * The instance types an Auto Scaling group launches, for pricing: the mixed instances policy's
 * overrides, else its launch template's InstanceType, plus the types of its current instances.
 * IAM: autoscaling:DescribeAutoScalingGroups, ec2:DescribeLaunchTemplateVersions.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { callAws } from './aws-errors.js';
import { describeGroup, type LaunchTemplateRef } from './group-snapshot.js';

async function templateInstanceType(
  ec2: EC2Client,
  ref: LaunchTemplateRef,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const out = await callAws('ec2:DescribeLaunchTemplateVersions', () =>
    ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: ref.id,
        LaunchTemplateName: ref.id ? undefined : ref.name,
        Versions: [ref.version ?? '$Default'],
      }),
      { abortSignal: signal },
    ),
  );
  return out.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceType;
}

/** Sorted, without duplicates; empty when the group names none and has no instance. */
export async function groupInstanceTypes(
  clients: { autoscaling: AutoScalingClient; ec2: EC2Client },
  groupName: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const group = await describeGroup(clients.autoscaling, groupName, signal);
  const types = new Set(group.overrideTypes);
  if (types.size === 0 && group.launchTemplate) {
    const fromTemplate = await templateInstanceType(clients.ec2, group.launchTemplate, signal);
    if (fromTemplate) types.add(fromTemplate);
  }
  for (const i of group.instances) if (i.instanceType) types.add(i.instanceType);
  return [...types].sort();
}
