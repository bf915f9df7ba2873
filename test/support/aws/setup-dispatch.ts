/**
 * The services and actions `aws setup` adds to the double, plugged into double-router.ts in
 * three lines: the extra service specs (IAM, EventBridge, SSM), S3 (REST, answered before the
 * query/JSON parsing), and `dispatchSetup`, tried before the router's own handlers.
 */
import type { RouterContext } from './double-router.js';
import { queryResult, ec2Result, jsonResult, type WireResponse } from './protocol-responses.js';
import type { QueryParams } from './query-params.js';
import { setupStore } from './setup-store.js';
import type { DoubleState } from './double-state.js';
import { EC2_NAMESPACE } from './ec2-api.js';
import { AUTOSCALING_NAMESPACE } from './autoscaling-api.js';
import {
  SETUP_AUTOSCALING_ACTIONS,
  SETUP_EC2_ACTIONS,
  describeSetupTemplateVersions,
} from './setup-ec2-api.js';
import { IAM_ACTIONS, IAM_NAMESPACE } from './setup-iam-api.js';
import { EVENTS_ACTIONS, SETUP_SQS_ACTIONS, SSM_ACTIONS } from './setup-json-api.js';

export { handleS3 } from './setup-s3-api.js';

export const SETUP_SERVICES = {
  iam: {
    protocol: 'query',
    namespace: IAM_NAMESPACE,
    version: '2010-05-08',
    throttle: { code: 'Throttling', message: 'Rate exceeded', status: 400 },
  },
  events: {
    protocol: 'json1.1',
    namespace: '',
    target: 'AWSEvents',
    throttle: { code: 'ThrottlingException', message: 'Rate exceeded', status: 400 },
  },
  ssm: {
    protocol: 'json1.1',
    namespace: '',
    target: 'AmazonSSM',
    throttle: { code: 'ThrottlingException', message: 'Rate exceeded', status: 400 },
  },
} as const;

function endpointOf(ctx: RouterContext): string {
  const first = [...ctx.queues.values()][0];
  return first ? new URL(first.url).origin : 'http://127.0.0.1';
}

/** Answers a call `aws setup` adds; undefined leaves it to the router's own handlers. */
export async function dispatchSetup(
  ctx: RouterContext,
  service: string,
  action: string,
  query: QueryParams | undefined,
  params: Record<string, unknown>,
  requestId: string,
): Promise<WireResponse | undefined> {
  if (service === 'iam') {
    const handler = IAM_ACTIONS[action];
    if (!handler) return undefined;
    return queryResult(action, IAM_NAMESPACE, handler(ctx.state, query!), requestId);
  }
  if (service === 'autoscaling' && SETUP_AUTOSCALING_ACTIONS[action]) {
    const result = SETUP_AUTOSCALING_ACTIONS[action](ctx.state, query!);
    return queryResult(action, AUTOSCALING_NAMESPACE, result, requestId);
  }
  if (service === 'ec2') {
    const ec2 = { state: ctx.state, spotPrices: ctx.spotPrices };
    const handler = SETUP_EC2_ACTIONS[action];
    if (handler && (action === 'CreateLaunchTemplate' || namesSetupTemplate(ctx.state, query!)))
      return ec2Result(action, EC2_NAMESPACE, handler(ec2, query!), requestId);
    if (action === 'DescribeLaunchTemplateVersions') {
      const result = describeSetupTemplateVersions(ec2, query!);
      if (result !== undefined) return ec2Result(action, EC2_NAMESPACE, result, requestId);
    }
    return undefined;
  }
  const table =
    service === 'sqs'
      ? SETUP_SQS_ACTIONS
      : service === 'events'
        ? EVENTS_ACTIONS
        : service === 'ssm'
          ? SSM_ACTIONS
          : undefined;
  const handler = table?.[action];
  if (!handler) return undefined;
  const protocol = service === 'sqs' ? 'json1.0' : 'json1.1';
  return jsonResult(
    protocol,
    await handler({ ...ctx, endpoint: endpointOf(ctx) }, params),
    requestId,
  );
}

/**
 * Whether a launch-template call names a template `aws setup` made (its store): those calls go to
 * the setup handlers, calls about other templates (a group's own, made by a test's fixture) to
 * the double's EC2 handlers, which see both through `state.templates`.
 */
function namesSetupTemplate(state: DoubleState, params: QueryParams): boolean {
  const ids = [...params.list('LaunchTemplateId'), params.get('LaunchTemplateId') ?? ''];
  const names = [...params.list('LaunchTemplateName'), params.get('LaunchTemplateName') ?? ''];
  const wanted = [...ids, ...names].filter((v) => v !== '');
  if (wanted.length === 0) return false;
  const templates = [...setupStore(state).templates.values()];
  return wanted.every((v) => templates.some((t) => t.id === v || t.name === v));
}
