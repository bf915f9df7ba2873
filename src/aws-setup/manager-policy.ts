/**
 * The manager's IAM policy, generated from one table: every AWS action the manager's code calls
 * (`callAws('service:Action', …)` in src/providers/aws), the statement that grants it, and so
 * its resource scope and tag conditions. docs/aws.md §2 prints what this generates for the
 * placeholders below (a test compares them), and `aws setup` writes it as a managed policy.
 */
import { MANAGER_TAG, RUNNER_TAG } from '../providers/aws/group-tags.js';

export type StatementId =
  | 'DriveTheGroups'
  | 'Watch'
  | 'InstanceConnect'
  | 'EndOrphans'
  | 'TagOwnGroups'
  | 'InterruptionQueue'
  | 'Verify';

/** Every action the manager calls, in the order the policy lists them. */
export const MANAGER_ACTIONS: readonly { action: string; statement: StatementId }[] = [
  { action: 'autoscaling:SetDesiredCapacity', statement: 'DriveTheGroups' },
  { action: 'autoscaling:TerminateInstanceInAutoScalingGroup', statement: 'DriveTheGroups' },
  { action: 'autoscaling:DescribeAutoScalingGroups', statement: 'Watch' },
  { action: 'autoscaling:DescribeScalingActivities', statement: 'Watch' },
  { action: 'ec2:DescribeInstances', statement: 'Watch' },
  { action: 'ec2:DescribeSpotInstanceRequests', statement: 'Watch' },
  { action: 'ec2:DescribeSpotPriceHistory', statement: 'Watch' },
  { action: 'ec2-instance-connect:SendSSHPublicKey', statement: 'InstanceConnect' },
  { action: 'ec2:TerminateInstances', statement: 'EndOrphans' },
  { action: 'autoscaling:CreateOrUpdateTags', statement: 'TagOwnGroups' },
  { action: 'sqs:ReceiveMessage', statement: 'InterruptionQueue' },
  { action: 'sqs:DeleteMessage', statement: 'InterruptionQueue' },
  { action: 'autoscaling:DescribePolicies', statement: 'Verify' },
  { action: 'ec2:DescribeLaunchTemplateVersions', statement: 'Verify' },
];

export interface ManagerPolicyScope {
  region: string;
  account: string;
  groups: readonly string[];
  systemId: string;
  queueName: string;
  /** Include SendSSHPublicKey (false with use_static_credentials). */
  instanceConnect?: boolean;
}

/** The placeholders docs/aws.md shows. */
export const DOCUMENTED_SCOPE: ManagerPolicyScope = {
  region: '<region>',
  account: '<account>',
  groups: ['ci-spot', 'ci-on-demand'],
  systemId: '<system id>',
  queueName: 'spotrunner-interruptions',
};

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

type Scoped = Pick<PolicyStatement, 'Resource' | 'Condition'>;

function scopes(s: ManagerPolicyScope): Record<StatementId, Scoped> {
  const groupArns = s.groups.map(
    (g) =>
      `arn:aws:autoscaling:${s.region}:${s.account}:autoScalingGroup:*:autoScalingGroupName/${g}`,
  );
  const instances = `arn:aws:ec2:${s.region}:${s.account}:instance/*`;
  const ownInstances = { StringEquals: { [`ec2:ResourceTag/${MANAGER_TAG}`]: s.systemId } };
  return {
    DriveTheGroups: { Resource: groupArns },
    Watch: { Resource: '*' },
    InstanceConnect: { Resource: instances, Condition: ownInstances },
    EndOrphans: { Resource: instances, Condition: ownInstances },
    TagOwnGroups: {
      Resource: groupArns,
      Condition: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': [MANAGER_TAG, RUNNER_TAG] },
        StringEqualsIfExists: {
          [`aws:RequestTag/${MANAGER_TAG}`]: s.systemId,
          [`autoscaling:ResourceTag/${MANAGER_TAG}`]: s.systemId,
        },
      },
    },
    InterruptionQueue: { Resource: `arn:aws:sqs:${s.region}:${s.account}:${s.queueName}` },
    Verify: { Resource: '*' },
  };
}

/** The policy for one manager, its groups and its queue. */
export function managerPolicy(scope: ManagerPolicyScope): PolicyDocument {
  const byStatement = new Map<StatementId, string[]>();
  for (const { action, statement } of MANAGER_ACTIONS) {
    if (action === 'ec2-instance-connect:SendSSHPublicKey' && scope.instanceConnect === false)
      continue;
    byStatement.set(statement, [...(byStatement.get(statement) ?? []), action]);
  }
  const scoped = scopes(scope);
  return {
    Version: '2012-10-17',
    Statement: [...byStatement].map(([sid, actions]) => ({
      Sid: sid,
      Effect: 'Allow',
      Action: actions,
      ...scoped[sid],
    })),
  };
}
