/**
 * `spotrunner verify` for an aws runner: reads the group, its scaling policies and its launch
 * template, and lists every misconfiguration with the command that fixes it.
 * IAM for verify (beyond the provider's own): autoscaling:DescribePolicies,
 * ec2:DescribeLaunchTemplateVersions.
 */
import { DescribePoliciesCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { SpotrunnerError } from '../../platform/errors.js';
import { callAws } from './aws-errors.js';
import {
  checkGroupSettings,
  imdsProblem,
  policiesProblem,
  type GroupCheckOptions,
  type GroupProblem,
  type TemplateMetadata,
} from './group-checks.js';
import { describeGroup, type GroupSnapshot, type LaunchTemplateRef } from './group-snapshot.js';

export interface VerifyGroupResult {
  /** No problem of severity `error`. */
  ok: boolean;
  problems: GroupProblem[];
}

type VerifyClients = { autoscaling: AutoScalingClient; ec2: EC2Client };

async function policyNames(
  clients: VerifyClients,
  name: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callAws('autoscaling:DescribePolicies', () =>
      clients.autoscaling.send(
        new DescribePoliciesCommand({ AutoScalingGroupName: name, NextToken: nextToken }),
        {
          abortSignal: signal,
        },
      ),
    );
    for (const p of page.ScalingPolicies ?? []) if (p.PolicyName) names.push(p.PolicyName);
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return names;
}

async function templateMetadata(
  clients: VerifyClients,
  ref: LaunchTemplateRef,
  signal?: AbortSignal,
): Promise<TemplateMetadata> {
  const version = ref.version ?? '$Default';
  const result = await callAws('ec2:DescribeLaunchTemplateVersions', () =>
    clients.ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: ref.id,
        LaunchTemplateName: ref.id ? undefined : ref.name,
        Versions: [version],
      }),
      { abortSignal: signal },
    ),
  );
  const found = result.LaunchTemplateVersions?.[0];
  return {
    templateId: ref.id ?? found?.LaunchTemplateId,
    templateName: ref.name ?? found?.LaunchTemplateName,
    version,
    resolvedVersion: found?.VersionNumber,
    httpTokens: found?.LaunchTemplateData?.MetadataOptions?.HttpTokens,
  };
}

function accessProblem(err: SpotrunnerError, permission: string): GroupProblem {
  return {
    code: 'access_denied',
    severity: 'error',
    message: `cannot check: ${err.message}`,
    fix: `allow ${permission} for the credentials spotrunner uses`,
  };
}

/** Runs a check that needs an extra permission; an access error becomes a problem. */
async function guarded(
  permission: string,
  fn: () => Promise<GroupProblem | undefined>,
): Promise<GroupProblem | undefined> {
  try {
    return await fn();
  } catch (err: unknown) {
    if (err instanceof SpotrunnerError && err.code === 'provider_auth')
      return accessProblem(err, permission);
    throw err;
  }
}

async function loadGroup(
  clients: VerifyClients,
  name: string,
  signal?: AbortSignal,
): Promise<GroupSnapshot | GroupProblem> {
  try {
    return await describeGroup(clients.autoscaling, name, signal);
  } catch (err: unknown) {
    if (!(err instanceof SpotrunnerError)) throw err;
    if (err.code === 'provider_auth')
      return accessProblem(err, 'autoscaling:DescribeAutoScalingGroups');
    if (err.code !== 'not_found') throw err;
    return {
      code: 'group_missing',
      severity: 'error',
      message: err.message,
      fix: `aws autoscaling describe-auto-scaling-groups --query 'AutoScalingGroups[].AutoScalingGroupName'  (then set plugin_config.name and region)`,
    };
  }
}

/** Checks one group; never throws for a misconfiguration, only for faults (network, throttling). */
export async function verifyGroup(
  clients: VerifyClients,
  name: string,
  options: GroupCheckOptions & { signal?: AbortSignal },
): Promise<VerifyGroupResult> {
  const group = await loadGroup(clients, name, options.signal);
  if (!('instances' in group)) return { ok: false, problems: [group] };
  const problems = checkGroupSettings(group, options);
  const policies = await guarded('autoscaling:DescribePolicies', async () =>
    policiesProblem(name, await policyNames(clients, name, options.signal)),
  );
  if (policies) problems.push(policies);
  const template = group.launchTemplate;
  if (template) {
    const imds = await guarded('ec2:DescribeLaunchTemplateVersions', async () =>
      imdsProblem(
        name,
        await templateMetadata(clients, template, options.signal),
        group.usesMixedInstancesPolicy,
      ),
    );
    if (imds) problems.push(imds);
  }
  return { ok: problems.every((p) => p.severity !== 'error'), problems };
}
