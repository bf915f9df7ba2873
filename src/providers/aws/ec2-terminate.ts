/**
 * EC2 TerminateInstances for instances outside our groups (orphans: detached, or left by a group
 * that no longer exists). IAM: `ec2:TerminateInstances`, best limited by a condition on the
 * `spotrunner:manager` tag.
 */
import { TerminateInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { callAws } from './aws-errors.js';

/** Terminates the instances in one call; returns the ids EC2 reported as shutting down or gone. */
export async function terminateEc2Instances(
  ec2: EC2Client,
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const out = await callAws('ec2:TerminateInstances', () =>
    ec2.send(new TerminateInstancesCommand({ InstanceIds: [...ids] }), { abortSignal: signal }),
  );
  return (out.TerminatingInstances ?? []).flatMap((i) => (i.InstanceId ? [i.InstanceId] : []));
}
