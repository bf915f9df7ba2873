/**
 * The group settings GitLab's docs require for fleeting (and spotrunner), each as a check that
 * yields a problem with its exact `aws` CLI fix. Pure: works on a GroupSnapshot.
 */
import type { GroupSnapshot } from './group-snapshot.js';
import { planGroupTags, tagCommand } from './group-tags.js';

export type GroupProblemCode =
  | 'group_missing'
  | 'access_denied'
  | 'min_size'
  | 'desired_capacity'
  | 'max_size'
  | 'scale_in_protection'
  | 'az_rebalance'
  | 'capacity_rebalance'
  | 'scaling_policies'
  | 'imds_v2'
  | 'launch_template'
  | 'ownership_tags'
  | 'shared_group';

export interface GroupProblem {
  code: GroupProblemCode;
  /** `error` makes verify fail; `warning` is advice. */
  severity: 'error' | 'warning';
  message: string;
  /** What to run (an `aws` CLI command) or do to fix it. */
  fix: string;
}

export interface GroupCheckOptions {
  /** `max_instances` of the runner; 0 = none. */
  maxInstances: number;
  managerName?: string;
  runnerName?: string;
  /** `plugin_config.tag_group`: the manager writes missing ownership tags at start. */
  tagGroup?: boolean;
}

function updateGroup(name: string, args: string): string {
  return `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${name} ${args}`;
}

export function checkGroupSettings(
  group: GroupSnapshot,
  options: GroupCheckOptions,
): GroupProblem[] {
  const n = group.name;
  const problems: GroupProblem[] = [];
  const add = (
    code: GroupProblemCode,
    severity: GroupProblem['severity'],
    message: string,
    fix: string,
  ): void => {
    problems.push({ code, severity, message, fix });
  };
  if (group.minSize !== 0) {
    add(
      'min_size',
      'error',
      `MinSize is ${group.minSize}; spotrunner alone decides how many instances run, so it must be 0`,
      updateGroup(n, '--min-size 0'),
    );
  }
  if (group.desiredCapacity !== 0) {
    add(
      'desired_capacity',
      'warning',
      `DesiredCapacity is ${group.desiredCapacity}; expected 0 before the manager starts (the manager sets it while running)`,
      updateGroup(n, '--desired-capacity 0'),
    );
  }
  const wantMax = Math.max(options.maxInstances, 1);
  if (group.maxSize < wantMax) {
    add(
      'max_size',
      'error',
      `MaxSize is ${group.maxSize}; it must be at least max_instances (${wantMax})`,
      updateGroup(n, `--max-size ${wantMax}`),
    );
  }
  if (!group.newInstancesProtectedFromScaleIn) {
    add(
      'scale_in_protection',
      'error',
      'new instances are not protected from scale-in: AWS could terminate instances running jobs',
      updateGroup(n, '--new-instances-protected-from-scale-in'),
    );
  }
  if (!group.suspendedProcesses.includes('AZRebalance')) {
    add(
      'az_rebalance',
      'error',
      'AZRebalance is not suspended: AWS terminates instances to rebalance zones, killing their jobs',
      `aws autoscaling suspend-processes --auto-scaling-group-name ${n} --scaling-processes AZRebalance`,
    );
  }
  if (group.capacityRebalance) {
    add(
      'capacity_rebalance',
      'error',
      'CapacityRebalance is on: AWS replaces spot instances on rebalance recommendations, killing their jobs ("instance unexpectedly removed")',
      updateGroup(n, '--no-capacity-rebalance'),
    );
  }
  if (!group.launchTemplate) {
    add(
      'launch_template',
      'warning',
      group.launchConfigurationName
        ? `the group uses launch configuration ${group.launchConfigurationName}; IMDSv2 cannot be checked (launch configurations are deprecated)`
        : 'the group has no launch template',
      `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${n} --launch-template LaunchTemplateName=<template>,Version='$Latest'`,
    );
  }
  problems.push(...checkTags(group, options));
  return problems;
}

function checkTags(group: GroupSnapshot, options: GroupCheckOptions): GroupProblem[] {
  if (!options.managerName && !options.runnerName) return [];
  const plan = planGroupTags(group.tags, options);
  const problems: GroupProblem[] = [];
  if (plan.otherManager) {
    problems.push({
      code: 'shared_group',
      severity: 'error',
      message: `the group is tagged for manager "${plan.otherManager}"; each manager needs its own group`,
      fix: `use a dedicated group, or if "${plan.otherManager}" is retired: ${tagCommand(group.name, [{ key: 'spotrunner:manager', value: options.managerName ?? '', propagateAtLaunch: true }])}`,
    });
  }
  // With tag_group the manager writes the missing tags itself when it starts.
  if (plan.missing.length > 0 && !options.tagGroup) {
    problems.push({
      code: 'ownership_tags',
      severity: 'warning',
      message: `the group lacks spotrunner tags (${plan.missing.map((t) => t.key).join(', ')}), so instances do not name their manager`,
      fix: `${tagCommand(group.name, plan.missing)}  (or set plugin_config.tag_group = true)`,
    });
  }
  return problems;
}

export function policiesProblem(
  groupName: string,
  policyNames: readonly string[],
): GroupProblem | undefined {
  if (policyNames.length === 0) return undefined;
  return {
    code: 'scaling_policies',
    severity: 'error',
    message: `the group has scaling policies (${policyNames.join(', ')}); only spotrunner may change its desired capacity`,
    fix: policyNames
      .map(
        (p) =>
          `aws autoscaling delete-policy --auto-scaling-group-name ${groupName} --policy-name ${p}`,
      )
      .join('\n'),
  };
}

export interface TemplateMetadata {
  templateId?: string;
  templateName?: string;
  /** The version the group launches (`$Default`, `$Latest` or a number). */
  version: string;
  resolvedVersion?: number;
  httpTokens?: string;
}

function imdsFix(groupName: string, meta: TemplateMetadata, usesMixed: boolean): string {
  const which = meta.templateId
    ? `--launch-template-id ${meta.templateId}`
    : `--launch-template-name ${meta.templateName ?? '<template>'}`;
  const spec = meta.templateId
    ? `LaunchTemplateId=${meta.templateId}`
    : `LaunchTemplateName=${meta.templateName ?? '<template>'}`;
  const source = meta.resolvedVersion ?? meta.version;
  const create = `aws ec2 create-launch-template-version ${which} --source-version ${source} --version-description imdsv2-required --launch-template-data '{"MetadataOptions":{"HttpTokens":"required","HttpEndpoint":"enabled"}}' --query LaunchTemplateVersion.VersionNumber --output text`;
  if (meta.version === '$Latest') return create;
  if (meta.version === '$Default') {
    return `v=$(${create}) && aws ec2 modify-launch-template ${which} --default-version "$v"`;
  }
  if (usesMixed) {
    return `v=$(${create}) && echo "point the group's mixed instances policy at version $v of the template"`;
  }
  return `v=$(${create}) && aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${groupName} --launch-template ${spec},Version="$v"`;
}

export function imdsProblem(
  groupName: string,
  meta: TemplateMetadata,
  usesMixed: boolean,
): GroupProblem | undefined {
  if (meta.httpTokens === 'required') return undefined;
  const source = meta.resolvedVersion ?? meta.version;
  return {
    code: 'imds_v2',
    severity: 'error',
    message: `launch template ${meta.templateName ?? meta.templateId ?? ''} version ${source} does not require IMDSv2 (HttpTokens is ${meta.httpTokens ?? 'optional'}): jobs could read the instance role's credentials with a plain GET`,
    fix: imdsFix(groupName, meta, usesMixed),
  };
}
