/**
 * The JSON-protocol calls `aws setup` adds: SQS queue management (CreateQueue, GetQueueUrl,
 * Get/SetQueueAttributes, ListQueueTags, DeleteQueue), EventBridge (awsJson1_1, `AWSEvents.*`:
 * PutRule, DescribeRule, PutTargets, ListTargetsByRule, RemoveTargets, DeleteRule,
 * ListTagsForResource) and SSM (awsJson1_1, `AmazonSSM.GetParameter`, public AMI parameters).
 */
import type { JsonContext } from './json-api.js';
import { AwsFault } from './query-params.js';
import { setupStore } from './setup-store.js';
import { SqsQueue } from './sqs-queue.js';

type Body = Record<string, unknown>;
type Handler = (ctx: JsonContext & { endpoint: string }, body: Body) => Promise<Body>;

function str(body: Body, name: string): string {
  const v = body[name];
  if (typeof v !== 'string' || v === '')
    throw new AwsFault('ValidationException', `${name} is required`);
  return v;
}
const record = (v: unknown): Record<string, string> =>
  v && typeof v === 'object' ? (v as Record<string, string>) : {};
const tagPairs = (v: unknown): Record<string, string> =>
  Object.fromEntries(
    (Array.isArray(v) ? (v as { Key: string; Value: string }[]) : []).map((t) => [t.Key, t.Value]),
  );

function queuePath(ctx: JsonContext, body: Body): string {
  const path = new URL(str(body, 'QueueUrl')).pathname;
  if (!ctx.queues.has(path))
    throw new AwsFault('QueueDoesNotExist', 'The specified queue does not exist.');
  return path;
}
const meta = (
  ctx: JsonContext,
  path: string,
): { attributes: Record<string, string>; tags: Record<string, string> } => {
  const store = setupStore(ctx.state).queueMeta;
  let m = store.get(path);
  if (!m) store.set(path, (m = { attributes: {}, tags: {} }));
  return m;
};

export const SETUP_SQS_ACTIONS: Readonly<Record<string, Handler>> = {
  async CreateQueue(ctx, body) {
    const name = str(body, 'QueueName');
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw new AwsFault('InvalidParameterValue', 'Invalid queue name');
    const path = `/${ctx.state.accountId}/${name}`;
    if (!ctx.queues.has(path)) {
      (ctx.queues as Map<string, SqsQueue>).set(
        path,
        new SqsQueue(`${ctx.endpoint}${path}`, ctx.state.clock),
      );
      meta(ctx, path).attributes = {
        ...record(body.Attributes),
        QueueArn: `arn:aws:sqs:${ctx.state.region}:${ctx.state.accountId}:${name}`,
      };
      meta(ctx, path).tags = record(body.tags);
    }
    return { QueueUrl: `${ctx.endpoint}${path}` };
  },
  async GetQueueUrl(ctx, body) {
    const path = `/${ctx.state.accountId}/${str(body, 'QueueName')}`;
    if (!ctx.queues.has(path))
      throw new AwsFault('QueueDoesNotExist', 'The specified queue does not exist.');
    return { QueueUrl: `${ctx.endpoint}${path}` };
  },
  async GetQueueAttributes(ctx, body) {
    const attrs = meta(ctx, queuePath(ctx, body)).attributes;
    const names = Array.isArray(body.AttributeNames) ? (body.AttributeNames as string[]) : [];
    return {
      Attributes: Object.fromEntries(
        Object.entries(attrs).filter(([k]) => names.includes('All') || names.includes(k)),
      ),
    };
  },
  async SetQueueAttributes(ctx, body) {
    Object.assign(meta(ctx, queuePath(ctx, body)).attributes, record(body.Attributes));
    return {};
  },
  async ListQueueTags(ctx, body) {
    return { Tags: meta(ctx, queuePath(ctx, body)).tags };
  },
  async DeleteQueue(ctx, body) {
    const path = queuePath(ctx, body);
    ctx.queues.get(path)!.close();
    (ctx.queues as Map<string, SqsQueue>).delete(path);
    setupStore(ctx.state).queueMeta.delete(path);
    return {};
  },
};

function rule(ctx: JsonContext, name: string) {
  const r = setupStore(ctx.state).rules.get(name);
  if (!r)
    throw new AwsFault(
      'ResourceNotFoundException',
      `Rule ${name} does not exist on EventBus default.`,
    );
  return r;
}

export const EVENTS_ACTIONS: Readonly<Record<string, Handler>> = {
  async PutRule(ctx, body) {
    const name = str(body, 'Name');
    const pattern = str(body, 'EventPattern');
    try {
      JSON.parse(pattern);
    } catch {
      throw new AwsFault('InvalidEventPatternException', 'Event pattern is not valid JSON');
    }
    const rules = setupStore(ctx.state).rules;
    const existing = rules.get(name);
    const arn = `arn:aws:events:${ctx.state.region}:${ctx.state.accountId}:rule/${name}`;
    rules.set(name, {
      arn,
      pattern,
      state: typeof body.State === 'string' ? body.State : 'ENABLED',
      tags: existing?.tags ?? tagPairs(body.Tags),
      targets: existing?.targets ?? [],
    });
    return { RuleArn: arn };
  },
  async DescribeRule(ctx, body) {
    const name = str(body, 'Name');
    const r = rule(ctx, name);
    return {
      Name: name,
      Arn: r.arn,
      EventPattern: r.pattern,
      State: r.state,
      EventBusName: 'default',
    };
  },
  async PutTargets(ctx, body) {
    const r = rule(ctx, str(body, 'Rule'));
    for (const t of (body.Targets as { Id: string; Arn: string }[] | undefined) ?? []) {
      r.targets = r.targets.filter((x) => x.Id !== t.Id);
      r.targets.push({ Id: t.Id, Arn: t.Arn });
    }
    return { FailedEntryCount: 0, FailedEntries: [] };
  },
  async ListTargetsByRule(ctx, body) {
    return { Targets: rule(ctx, str(body, 'Rule')).targets };
  },
  async RemoveTargets(ctx, body) {
    const r = rule(ctx, str(body, 'Rule'));
    const ids = (body.Ids as string[] | undefined) ?? [];
    r.targets = r.targets.filter((t) => !ids.includes(t.Id));
    return { FailedEntryCount: 0, FailedEntries: [] };
  },
  async DeleteRule(ctx, body) {
    const name = str(body, 'Name');
    if (rule(ctx, name).targets.length > 0)
      throw new AwsFault('ValidationException', "Rule can't be deleted since it has targets.");
    setupStore(ctx.state).rules.delete(name);
    return {};
  },
  async ListTagsForResource(ctx, body) {
    const arn = str(body, 'ResourceARN');
    const r = [...setupStore(ctx.state).rules.values()].find((x) => x.arn === arn);
    if (!r) throw new AwsFault('ResourceNotFoundException', `Resource ${arn} does not exist.`);
    return { Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })) };
  },
};

export const SSM_ACTIONS: Readonly<Record<string, Handler>> = {
  async GetParameter(ctx, body) {
    const name = str(body, 'Name');
    const value = setupStore(ctx.state).parameters.get(name);
    if (value === undefined)
      throw new AwsFault('ParameterNotFound', `Parameter ${name} not found.`);
    return {
      Parameter: {
        Name: name,
        Type: 'String',
        Value: value,
        Version: 1,
        DataType: 'aws:ec2:image',
      },
    };
  },
};
