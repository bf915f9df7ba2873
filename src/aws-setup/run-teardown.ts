/**
 * `aws teardown`: removes what setup made for one runner — only resources tagged
 * `spotrunner:setup=<id>`; a same-named resource without that tag is left alone and reported.
 * It refuses while any of the groups still lists an instance (whatever its state short of
 * terminated): a job may be running there. Stop the manager (it scales to zero) first.
 */
import {
  DeleteAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import { DeleteLaunchTemplateCommand, DescribeLaunchTemplatesCommand } from '@aws-sdk/client-ec2';
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { DeleteQueueCommand, GetQueueUrlCommand, ListQueueTagsCommand } from '@aws-sdk/client-sqs';
import { callAws } from '../providers/aws/aws-errors.js';
import { UserError } from '../platform/errors.js';
import { SETUP_TAG, type SetupClients } from './setup-clients.js';
import type { SetupSpec } from './setup-settings.js';
import { readAws, tagRecord } from './setup-step.js';
import { teardownBucket, teardownIam } from './teardown-iam-s3.js';

export interface TeardownDeps {
  clients: SetupClients;
  print: (line: string) => void;
}

export type Removal = 'removed' | 'absent' | 'not ours' | 'kept';

export interface TeardownOutcome {
  resource: string;
  result: Removal;
  detail?: string;
}

/** Records and prints one outcome. */
export function reporter(
  deps: TeardownDeps,
  outcomes: TeardownOutcome[],
): (resource: string, result: Removal, detail?: string) => void {
  return (resource, result, detail) => {
    outcomes.push({ resource, result, detail });
    deps.print(
      `${result === 'removed' ? '-' : '='} ${resource}: ${result}${detail ? ` (${detail})` : ''}`,
    );
  };
}

async function refuseWhileInstances(clients: SetupClients, spec: SetupSpec): Promise<void> {
  const listing = await callAws('autoscaling:DescribeAutoScalingGroups', () =>
    clients.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({
        AutoScalingGroupNames: spec.groups.map((g) => g.name),
      }),
    ),
  );
  const busy = (listing.AutoScalingGroups ?? []).flatMap((g) =>
    (g.Instances ?? [])
      .filter((i) => !i.LifecycleState?.startsWith('Terminated'))
      .map((i) => `${i.InstanceId} in ${g.AutoScalingGroupName} (${i.LifecycleState})`),
  );
  if (busy.length > 0)
    throw new UserError(
      `teardown refused: the group still has instances, which may be running jobs: ${busy.join(', ')}. ` +
        'Stop the manager (it scales the group to zero) and try again.',
    );
}

async function teardownGroups(
  deps: TeardownDeps,
  spec: SetupSpec,
  report: ReturnType<typeof reporter>,
): Promise<void> {
  const { autoscaling } = deps.clients;
  for (const g of spec.groups) {
    const listing = await callAws('autoscaling:DescribeAutoScalingGroups', () =>
      autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [g.name] })),
    );
    const group = listing.AutoScalingGroups?.[0];
    const resource = `group ${g.name}`;
    if (!group) report(resource, 'absent');
    else if (tagRecord(group.Tags)[SETUP_TAG] !== spec.setupId) report(resource, 'not ours');
    else {
      await callAws('autoscaling:DeleteAutoScalingGroup', () =>
        autoscaling.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: g.name })),
      );
      report(resource, 'removed');
    }
  }
}

async function teardownTemplate(
  deps: TeardownDeps,
  spec: SetupSpec,
  report: ReturnType<typeof reporter>,
): Promise<void> {
  const { ec2 } = deps.clients;
  const resource = `launch template ${spec.templateName}`;
  const found = await readAws(
    'ec2:DescribeLaunchTemplates',
    ['InvalidLaunchTemplateName.NotFoundException'],
    () =>
      ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [spec.templateName] })),
  );
  const template = found?.LaunchTemplates?.[0];
  if (!template) return report(resource, 'absent');
  if (tagRecord(template.Tags)[SETUP_TAG] !== spec.setupId) return report(resource, 'not ours');
  await callAws('ec2:DeleteLaunchTemplate', () =>
    ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: template.LaunchTemplateId })),
  );
  report(resource, 'removed');
}

async function teardownInterruptions(
  deps: TeardownDeps,
  spec: SetupSpec,
  report: ReturnType<typeof reporter>,
): Promise<void> {
  const { events, sqs } = deps.clients;
  const ruleName = `EventBridge rule ${spec.ruleName}`;
  const rule = await readAws('events:DescribeRule', ['ResourceNotFoundException'], () =>
    events.send(new DescribeRuleCommand({ Name: spec.ruleName })),
  );
  if (!rule?.Arn) report(ruleName, 'absent');
  else {
    const tags = await callAws('events:ListTagsForResource', () =>
      events.send(new ListTagsForResourceCommand({ ResourceARN: rule.Arn })),
    );
    if (tagRecord(tags.Tags)[SETUP_TAG] !== spec.setupId) report(ruleName, 'not ours');
    else {
      const targets = await callAws('events:ListTargetsByRule', () =>
        events.send(new ListTargetsByRuleCommand({ Rule: spec.ruleName })),
      );
      const ids = (targets.Targets ?? []).map((t) => t.Id ?? '');
      if (ids.length > 0)
        await callAws('events:RemoveTargets', () =>
          events.send(new RemoveTargetsCommand({ Rule: spec.ruleName, Ids: ids })),
        );
      await callAws('events:DeleteRule', () =>
        events.send(new DeleteRuleCommand({ Name: spec.ruleName })),
      );
      report(ruleName, 'removed');
    }
  }
  const queueName = `interruption queue ${spec.queueName}`;
  const queue = await readAws(
    'sqs:GetQueueUrl',
    ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'],
    () => sqs.send(new GetQueueUrlCommand({ QueueName: spec.queueName })),
  );
  if (!queue?.QueueUrl) return report(queueName, 'absent');
  const QueueUrl = queue.QueueUrl;
  const tags = await callAws('sqs:ListQueueTags', () =>
    sqs.send(new ListQueueTagsCommand({ QueueUrl })),
  );
  if (tags.Tags?.[SETUP_TAG] !== spec.setupId) return report(queueName, 'not ours');
  await callAws('sqs:DeleteQueue', () => sqs.send(new DeleteQueueCommand({ QueueUrl })));
  report(queueName, 'removed');
}

export async function runTeardown(deps: TeardownDeps, spec: SetupSpec): Promise<TeardownOutcome[]> {
  await refuseWhileInstances(deps.clients, spec);
  const outcomes: TeardownOutcome[] = [];
  const report = reporter(deps, outcomes);
  await teardownGroups(deps, spec, report);
  await teardownTemplate(deps, spec, report);
  await teardownInterruptions(deps, spec, report);
  await teardownBucket(deps, spec, report);
  await teardownIam(deps, spec, report);
  return outcomes;
}
