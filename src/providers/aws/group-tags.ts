/**
 * Ownership tags. The group carries `spotrunner:manager` and `spotrunner:runner` with
 * PropagateAtLaunch, so every instance it launches names the manager and runner that own it;
 * a manager then recognises its own instances (and orphans) after a restart.
 * With `tag_group = true` the tags are written at init (IAM: `autoscaling:CreateOrUpdateTags`
 * on the group's ARN); otherwise a missing tag is logged with the command that adds it.
 */
import { CreateOrUpdateTagsCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { callAws } from './aws-errors.js';
import type { InstanceDetails } from './instance-details.js';

export const MANAGER_TAG = 'spotrunner:manager';
export const RUNNER_TAG = 'spotrunner:runner';
/** Set by EC2 Auto Scaling on every instance it launches. */
export const GROUP_NAME_TAG = 'aws:autoscaling:groupName';

export interface GroupTag {
  key: string;
  value: string;
  propagateAtLaunch: boolean;
}

export interface OwnershipIdentity {
  managerName?: string;
  runnerName?: string;
}

export interface GroupTagPlan {
  /** Tags to write (absent, different value, or not propagated). */
  missing: GroupTag[];
  /** The group names another manager: it must not be shared. */
  otherManager?: string;
}

/** Which spotrunner tags the group lacks for this identity. */
export function planGroupTags(
  current: readonly GroupTag[],
  identity: OwnershipIdentity,
): GroupTagPlan {
  const wanted: GroupTag[] = [];
  if (identity.managerName)
    wanted.push({ key: MANAGER_TAG, value: identity.managerName, propagateAtLaunch: true });
  if (identity.runnerName)
    wanted.push({ key: RUNNER_TAG, value: identity.runnerName, propagateAtLaunch: true });
  const byKey = new Map(current.map((t) => [t.key, t]));
  const existingManager = byKey.get(MANAGER_TAG)?.value;
  const otherManager =
    identity.managerName && existingManager && existingManager !== identity.managerName
      ? existingManager
      : undefined;
  const missing = wanted.filter((w) => {
    if (otherManager && w.key === MANAGER_TAG) return false;
    const have = byKey.get(w.key);
    return !have || have.value !== w.value || !have.propagateAtLaunch;
  });
  return { missing, otherManager };
}

/** The `aws` CLI command that writes these tags on the group. */
export function tagCommand(groupName: string, tags: readonly GroupTag[]): string {
  const specs = tags.map(
    (t) =>
      `ResourceId=${groupName},ResourceType=auto-scaling-group,Key=${t.key},Value=${t.value},PropagateAtLaunch=${t.propagateAtLaunch}`,
  );
  return `aws autoscaling create-or-update-tags --tags ${specs.join(' ')}`;
}

/**
 * Checks the group's tags at init; writes the missing ones when `tagGroup` is on. Never fails
 * init: a tagging failure is logged with the permission it needs.
 */
export async function ensureGroupTags(
  deps: { autoscaling: AutoScalingClient; logger: Logger },
  groupName: string,
  current: readonly GroupTag[],
  options: OwnershipIdentity & { tagGroup: boolean; signal?: AbortSignal },
): Promise<GroupTagPlan> {
  const plan = planGroupTags(current, options);
  if (plan.otherManager) {
    deps.logger.error(
      { group: groupName, otherManager: plan.otherManager, manager: options.managerName },
      'auto scaling group is tagged for another manager; each manager needs its own group',
    );
  }
  if (plan.missing.length === 0) return plan;
  if (!options.tagGroup) {
    deps.logger.warn(
      { group: groupName, fix: tagCommand(groupName, plan.missing) },
      'auto scaling group lacks spotrunner ownership tags (set plugin_config.tag_group = true to add them)',
    );
    return plan;
  }
  try {
    await callAws('autoscaling:CreateOrUpdateTags', () =>
      deps.autoscaling.send(
        new CreateOrUpdateTagsCommand({
          Tags: plan.missing.map((t) => ({
            ResourceId: groupName,
            ResourceType: 'auto-scaling-group',
            Key: t.key,
            Value: t.value,
            PropagateAtLaunch: t.propagateAtLaunch,
          })),
        }),
        { abortSignal: options.signal },
      ),
    );
    deps.logger.info({ group: groupName, tags: plan.missing.map((t) => t.key) }, 'group tagged');
  } catch (err: unknown) {
    deps.logger.error(
      { group: groupName, err: describeError(err) },
      'could not tag the auto scaling group (needs autoscaling:CreateOrUpdateTags)',
    );
  }
  return plan;
}

export type Ownership = 'ours' | 'other-manager' | 'untagged';

/** Whose instance this is, by its propagated tags. */
export function ownershipOf(
  details: Pick<InstanceDetails, 'tags'>,
  managerName: string | undefined,
): Ownership {
  const tagged = details.tags[MANAGER_TAG];
  if (tagged === undefined) return 'untagged';
  return managerName === undefined || tagged === managerName ? 'ours' : 'other-manager';
}
