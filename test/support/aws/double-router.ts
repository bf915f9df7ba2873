/**
 * Routes one signed request to the service named in its SigV4 credential scope (autoscaling,
 * ec2, ec2-instance-connect, sqs), after the signature check and any injected fault, and renders
 * the answer in that service's protocol.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AUTOSCALING_ACTIONS, AUTOSCALING_NAMESPACE } from './autoscaling-api.js';
import type { DoubleState } from './double-state.js';
import { EC2_ACTIONS, EC2_NAMESPACE, type SpotPricePoint } from './ec2-api.js';
import { EC2_IMAGE_ACTIONS } from './ec2-image-api.js';
import {
  INSTANCE_CONNECT_ACTIONS,
  SQS_ACTIONS,
  SQS_QUERY_CODES,
  type JsonContext,
} from './json-api.js';
import {
  ec2Result,
  errorResponse,
  jsonResult,
  queryResult,
  type ErrorDetails,
  type Protocol,
  type WireResponse,
} from './protocol-responses.js';
import { AwsFault, QueryParams } from './query-params.js';
import { verifySigV4 } from './sigv4.js';
import { SETUP_SERVICES, dispatchSetup, handleS3 } from './setup-dispatch.js';

export interface RecordedRequest {
  service: string;
  action: string;
  params: Record<string, unknown>;
  accessKeyId: string;
}

export interface InjectedFailure {
  action: string;
  code: string;
  message: string;
  status: number;
  /** Failures left; undefined = until removed. */
  times?: number;
  when?: (params: Record<string, unknown>) => boolean;
}

export interface RouterContext extends JsonContext {
  state: DoubleState;
  secrets: ReadonlyMap<string, string>;
  spotPrices: readonly SpotPricePoint[];
  requests: RecordedRequest[];
  failures: InjectedFailure[];
  throttleLeft: { count: number };
  /** Responses of these actions are computed on arrival but sent only once the gate opens. */
  holds: { action: string; gate: Promise<void> }[];
}

interface ServiceSpec {
  protocol: Protocol;
  namespace: string;
  throttle: { code: string; message: string; status: number };
  version?: string;
  target?: string;
}

const SERVICES: Readonly<Record<string, ServiceSpec>> = {
  autoscaling: {
    protocol: 'query',
    namespace: AUTOSCALING_NAMESPACE,
    version: '2011-01-01',
    throttle: { code: 'Throttling', message: 'Rate exceeded', status: 400 },
  },
  ec2: {
    protocol: 'ec2',
    namespace: EC2_NAMESPACE,
    version: '2016-11-15',
    throttle: { code: 'RequestLimitExceeded', message: 'Request limit exceeded.', status: 503 },
  },
  'ec2-instance-connect': {
    protocol: 'json1.1',
    namespace: '',
    target: 'AWSEC2InstanceConnectService',
    throttle: { code: 'ThrottlingException', message: 'Rate exceeded', status: 400 },
  },
  sqs: {
    protocol: 'json1.0',
    namespace: '',
    target: 'AmazonSQS',
    throttle: { code: 'RequestThrottled', message: 'Rate exceeded', status: 400 },
  },
  ...SETUP_SERVICES,
};

export interface IncomingCall {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function guessProtocol(call: IncomingCall): { protocol: Protocol; namespace: string } {
  const type = String(call.headers['content-type'] ?? '');
  if (type.includes('json'))
    return { protocol: type.includes('1.0') ? 'json1.0' : 'json1.1', namespace: '' };
  const action = new URLSearchParams(call.body.toString('utf8')).get('Action') ?? '';
  return action in EC2_ACTIONS || action in EC2_IMAGE_ACTIONS
    ? { protocol: 'ec2', namespace: EC2_NAMESPACE }
    : { protocol: 'query', namespace: AUTOSCALING_NAMESPACE };
}

function parseCall(
  spec: ServiceSpec,
  call: IncomingCall,
): { action: string; params: Record<string, unknown>; query?: QueryParams } {
  if (spec.protocol === 'query' || spec.protocol === 'ec2') {
    const query = QueryParams.fromForm(call.body.toString('utf8'));
    const action = query.required('Action');
    if (query.get('Version') !== spec.version)
      throw new AwsFault(
        'InvalidParameterValue',
        `Unsupported Version ${query.get('Version') ?? ''}`,
      );
    return { action, params: query.toRecord(), query };
  }
  const target = String(call.headers['x-amz-target'] ?? '');
  const [prefix, action = ''] = target.split('.');
  if (prefix !== spec.target)
    throw new AwsFault('UnknownOperationException', `Unknown target ${target}`);
  let params: Record<string, unknown>;
  try {
    params = JSON.parse(call.body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    throw new AwsFault('SerializationException', 'Request body is not JSON');
  }
  return { action, params };
}

function injected(
  ctx: RouterContext,
  spec: ServiceSpec,
  action: string,
  params: Record<string, unknown>,
): AwsFault | undefined {
  if (ctx.throttleLeft.count > 0) {
    ctx.throttleLeft.count--;
    return new AwsFault(spec.throttle.code, spec.throttle.message, spec.throttle.status);
  }
  const failure = ctx.failures.find((f) => f.action === action && (f.when?.(params) ?? true));
  if (!failure) return undefined;
  if (failure.times !== undefined && --failure.times <= 0)
    ctx.failures.splice(ctx.failures.indexOf(failure), 1);
  return new AwsFault(failure.code, failure.message, failure.status);
}

async function dispatch(
  ctx: RouterContext,
  service: string,
  action: string,
  query: QueryParams | undefined,
  params: Record<string, unknown>,
  requestId: string,
): Promise<WireResponse> {
  const spec = SERVICES[service]!;
  const extra = await dispatchSetup(ctx, service, action, query, params, requestId);
  if (extra) return extra;
  if (service === 'autoscaling') {
    const handler = AUTOSCALING_ACTIONS[action];
    if (!handler)
      throw new AwsFault(
        'InvalidAction',
        `Could not find operation ${action} for version 2011-01-01`,
      );
    return queryResult(action, spec.namespace, handler(ctx.state, query!), requestId);
  }
  if (service === 'ec2') {
    const handler = EC2_ACTIONS[action] ?? EC2_IMAGE_ACTIONS[action];
    if (!handler)
      throw new AwsFault(
        'InvalidAction',
        `The action ${action} is not valid for this web service.`,
      );
    return ec2Result(
      action,
      spec.namespace,
      handler({ state: ctx.state, spotPrices: ctx.spotPrices }, query!),
      requestId,
    );
  }
  const handler = (service === 'sqs' ? SQS_ACTIONS : INSTANCE_CONNECT_ACTIONS)[action];
  if (!handler) throw new AwsFault('UnknownOperationException', `Unknown operation ${action}`);
  return jsonResult(spec.protocol as 'json1.0' | 'json1.1', await handler(ctx, params), requestId);
}

function faultDetails(service: string, fault: AwsFault): ErrorDetails {
  if (service !== 'sqs') return { code: fault.code, message: fault.message, status: fault.status };
  return {
    code: fault.code,
    message: fault.message,
    status: fault.status,
    queryCode: SQS_QUERY_CODES[fault.code] ?? fault.code,
    typePrefix: 'com.amazonaws.sqs#',
  };
}

/** Handles one API call end to end; never throws. */
export async function routeCall(ctx: RouterContext, call: IncomingCall): Promise<WireResponse> {
  const requestId = randomUUID();
  const auth = verifySigV4(call, ctx.secrets);
  if (!auth.ok) {
    const { protocol, namespace } = guessProtocol(call);
    return errorResponse(
      protocol,
      namespace,
      { code: auth.code, message: auth.message, status: 403 },
      requestId,
    );
  }
  const service = auth.identity.service;
  if (service === 's3') return handleS3(ctx.state, call, requestId);
  const spec = SERVICES[service];
  if (!spec) {
    const { protocol, namespace } = guessProtocol(call);
    return errorResponse(
      protocol,
      namespace,
      { code: 'UnknownService', message: `service ${service} is not served here`, status: 400 },
      requestId,
    );
  }
  try {
    const { action, params, query } = parseCall(spec, call);
    ctx.requests.push({ service, action, params, accessKeyId: auth.identity.accessKeyId });
    const fault = injected(ctx, spec, action, params);
    if (fault) throw fault;
    ctx.state.refresh();
    const response = await dispatch(ctx, service, action, query, params, requestId);
    const held = ctx.holds.find((h) => h.action === action);
    if (held) await held.gate;
    return response;
  } catch (err: unknown) {
    const fault =
      err instanceof AwsFault
        ? err
        : new AwsFault('InternalFailure', err instanceof Error ? err.message : String(err), 500);
    return errorResponse(spec.protocol, spec.namespace, faultDetails(service, fault), requestId);
  }
}
