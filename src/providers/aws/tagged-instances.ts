/**
 * Every live instance tagged for a manager, in any group or none: the input for orphan checks
 * after a restart (an instance tagged ours that its group no longer lists, or whose group is gone,
 * costs money until someone terminates it).
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import { GROUP_NAME_TAG, MANAGER_TAG, RUNNER_TAG } from './group-tags.js';
import { describeInstanceDetails, type InstanceDetails } from './instance-details.js';

export interface TaggedInstance {
  id: string;
  /** The `spotrunner:manager` tag (the filter asked for one value; checked again by callers). */
  managerName?: string;
  ec2State?: string;
  /** `aws:autoscaling:groupName`, absent once detached from its group. */
  groupName?: string;
  runnerName?: string;
  instanceType?: string;
  lifecycle: InstanceDetails['lifecycle'];
  launchedAtMs?: number;
}

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

export async function findTaggedInstances(
  ec2: EC2Client,
  options: { managerName: string; signal?: AbortSignal },
): Promise<TaggedInstance[]> {
  const found = await describeInstanceDetails(ec2, {
    filters: {
      [`tag:${MANAGER_TAG}`]: [options.managerName],
      'instance-state-name': LIVE_STATES,
    },
    signal: options.signal,
  });
  return found.map((d) => ({
    id: d.id,
    managerName: d.tags[MANAGER_TAG],
    ec2State: d.ec2State,
    groupName: d.tags[GROUP_NAME_TAG],
    runnerName: d.tags[RUNNER_TAG],
    instanceType: d.instanceType,
    lifecycle: d.lifecycle,
    launchedAtMs: d.launchedAtMs,
  }));
}
