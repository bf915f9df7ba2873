/**
 * The interruption queue and the EventBridge rule feeding it: spot interruption warnings and
 * rebalance recommendations from `aws.ec2` go to the SQS queue `interruption_queue_url` names
 * (or `spotrunner-<id>-interruptions`), whose policy lets only that rule send to it.
 */
import {
  DescribeRuleCommand,
  ListTagsForResourceCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { callAws } from '../providers/aws/aws-errors.js';
import { SETUP_TAG } from './setup-clients.js';
import {
  readAws,
  requireOwnTag,
  tagRecord,
  planFromLines,
  upToDate,
  type ChangeLine,
  type SetupContext,
  type SetupStep,
  type StepPlan,
} from './setup-step.js';

export const INTERRUPTION_PATTERN = {
  source: ['aws.ec2'],
  'detail-type': [
    'EC2 Spot Instance Interruption Warning',
    'EC2 Instance Rebalance Recommendation',
  ],
};

const account = (ctx: SetupContext): string => ctx.account ?? '<account>';
export const queueArn = (ctx: SetupContext): string =>
  `arn:aws:sqs:${ctx.region}:${account(ctx)}:${ctx.spec.queueName}`;
export const ruleArn = (ctx: SetupContext): string =>
  `arn:aws:events:${ctx.region}:${account(ctx)}:rule/${ctx.spec.ruleName}`;

export function queuePolicy(ctx: SetupContext): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'InterruptionEvents',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn(ctx),
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn(ctx) } },
      },
    ],
  });
}

async function planQueue(ctx: SetupContext): Promise<StepPlan> {
  const { sqs } = ctx.clients;
  const QueueName = ctx.spec.queueName;
  const resource = `interruption queue ${QueueName}`;
  const found = await readAws(
    'sqs:GetQueueUrl',
    ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'],
    () => sqs.send(new GetQueueUrlCommand({ QueueName })),
  );
  if (!found?.QueueUrl) {
    return {
      resource,
      action: 'create',
      changes: ['create, writable only by the EventBridge rule'],
      apply: async () => {
        await callAws('sqs:CreateQueue', () =>
          sqs.send(
            new CreateQueueCommand({
              QueueName,
              Attributes: { Policy: queuePolicy(ctx), MessageRetentionPeriod: '3600' },
              tags: { [SETUP_TAG]: ctx.spec.setupId },
            }),
          ),
        );
      },
    };
  }
  const QueueUrl = found.QueueUrl;
  const tags = await callAws('sqs:ListQueueTags', () =>
    sqs.send(new ListQueueTagsCommand({ QueueUrl })),
  );
  requireOwnTag(resource, tags.Tags ?? {}, ctx.spec.setupId);
  const attrs = await callAws('sqs:GetQueueAttributes', () =>
    sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] })),
  );
  if (attrs.Attributes?.Policy === queuePolicy(ctx)) return upToDate(resource);
  return {
    resource,
    action: 'update',
    changes: ['queue policy: only the EventBridge rule may send'],
    apply: async () => {
      await callAws('sqs:SetQueueAttributes', () =>
        sqs.send(
          new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: queuePolicy(ctx) } }),
        ),
      );
    },
  };
}

async function planRule(ctx: SetupContext): Promise<StepPlan> {
  const { events } = ctx.clients;
  const Name = ctx.spec.ruleName;
  const resource = `EventBridge rule ${Name}`;
  const pattern = JSON.stringify(INTERRUPTION_PATTERN);
  const rule = await readAws('events:DescribeRule', ['ResourceNotFoundException'], () =>
    events.send(new DescribeRuleCommand({ Name })),
  );
  if (rule?.Arn) {
    const tags = await callAws('events:ListTagsForResource', () =>
      events.send(new ListTagsForResourceCommand({ ResourceARN: rule.Arn })),
    );
    requireOwnTag(resource, tagRecord(tags.Tags), ctx.spec.setupId);
  }
  const targets = rule
    ? ((
        await callAws('events:ListTargetsByRule', () =>
          events.send(new ListTargetsByRuleCommand({ Rule: Name })),
        )
      ).Targets ?? [])
    : [];
  const lines: ChangeLine[] = [];
  const samePattern =
    rule?.EventPattern !== undefined &&
    JSON.stringify(JSON.parse(rule.EventPattern)) === pattern &&
    rule.State === 'ENABLED';
  if (!samePattern)
    lines.push({
      line: `${rule ? 'update' : 'create'} rule for ${pattern}`,
      run: () =>
        events.send(
          new PutRuleCommand({
            Name,
            EventPattern: pattern,
            State: 'ENABLED',
            Description: 'spot interruption warnings and rebalance recommendations for spotrunner',
            ...(rule ? {} : { Tags: [{ Key: SETUP_TAG, Value: ctx.spec.setupId }] }),
          }),
        ),
    });
  if (!targets.some((t) => t.Arn === queueArn(ctx)))
    lines.push({
      line: `target the queue ${queueArn(ctx)}`,
      run: () =>
        events.send(
          new PutTargetsCommand({ Rule: Name, Targets: [{ Id: 'sqs', Arn: queueArn(ctx) }] }),
        ),
    });
  return planFromLines(resource, Boolean(rule), 'events', lines);
}

export const queueStep: SetupStep = { plan: planQueue };
export const ruleStep: SetupStep = { plan: planRule };
