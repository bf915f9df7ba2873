/**
 * The double's JSON-protocol services: EC2 Instance Connect (awsJson1_1,
 * `X-Amz-Target: AWSEC2InstanceConnectService.*`) and SQS (awsJson1_0, `AmazonSQS.*`).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { PushedKey } from './double-model.js';
import type { DoubleState } from './double-state.js';
import { AwsFault } from './query-params.js';
import type { SqsQueue } from './sqs-queue.js';

export interface JsonContext {
  state: DoubleState;
  queues: ReadonlyMap<string, SqsQueue>;
  pushedKeys: PushedKey[];
  /** How long a pushed key stays valid (AWS: 60 s). */
  keyTtlMs: number;
}

type Body = Record<string, unknown>;
type Handler = (ctx: JsonContext, body: Body) => Promise<Body>;

function str(body: Body, name: string, exception = 'InvalidArgsException'): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '')
    throw new AwsFault(exception, `${name} is required`);
  return value;
}

function num(body: Body, name: string, fallback: number, min: number, max: number): number {
  const value = body[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new AwsFault(
      'InvalidParameterValue',
      `Value ${JSON.stringify(value)} for parameter ${name} is invalid.`,
    );
  }
  return value;
}

const USER_PATTERN = /^[A-Za-z_][A-Za-z0-9@._-]{0,30}[A-Za-z0-9$_-]?$/;
const KEY_PATTERN = /^(ssh-rsa|ssh-ed25519) [A-Za-z0-9+/]+={0,3}( .*)?$/;

const sendSshPublicKey: Handler = async (ctx, body) => {
  const instanceId = str(body, 'InstanceId');
  const osUser = str(body, 'InstanceOSUser');
  const publicKey = str(body, 'SSHPublicKey');
  const zone = body.AvailabilityZone;
  if (!USER_PATTERN.test(osUser))
    throw new AwsFault('InvalidArgsException', 'InstanceOSUser is not a valid user name');
  if (!KEY_PATTERN.test(publicKey)) {
    throw new AwsFault(
      'InvalidArgsException',
      'SSHPublicKey must be an OpenSSH ssh-rsa or ssh-ed25519 public key',
    );
  }
  const instance = ctx.state.instance(instanceId);
  if (!instance?.inGroup)
    throw new AwsFault('EC2InstanceNotFoundException', `Instance ${instanceId} not found`);
  if (zone !== undefined && zone !== instance.zone) {
    throw new AwsFault(
      'InvalidArgsException',
      `Instance ${instanceId} is not in availability zone ${JSON.stringify(zone)}`,
    );
  }
  if (instance.ec2State !== 'running' || instance.backingId === undefined) {
    throw new AwsFault(
      'EC2InstanceStateInvalidException',
      `Instance ${instanceId} is not in a valid state for this operation`,
    );
  }
  const atMs = ctx.state.clock.now();
  const backing = ctx.state.launcher.backing;
  let installed = false;
  if (backing.authorizeKey) {
    await backing.authorizeKey(instance.backingId, osUser, publicKey, ctx.keyTtlMs);
    installed = true;
  }
  ctx.pushedKeys.push({
    instanceId,
    osUser,
    publicKey,
    zone: instance.zone,
    atMs,
    expiresAtMs: atMs + ctx.keyTtlMs,
    installed,
  });
  return { RequestId: randomUUID(), Success: true };
};

function queueOf(ctx: JsonContext, body: Body): SqsQueue {
  const url = str(body, 'QueueUrl', 'MissingParameter');
  const path = new URL(url).pathname;
  const queue = ctx.queues.get(path);
  if (!queue) throw new AwsFault('QueueDoesNotExist', 'The specified queue does not exist.');
  return queue;
}

const receiveMessage: Handler = async (ctx, body) => {
  const queue = queueOf(ctx, body);
  const max = num(body, 'MaxNumberOfMessages', 1, 1, 10);
  const wait = num(body, 'WaitTimeSeconds', 0, 0, 20);
  const visibility = num(body, 'VisibilityTimeout', 30, 0, 43_200);
  const messages = await queue.receive(max, wait, visibility);
  return messages.length > 0 ? { Messages: messages } : {};
};

const deleteMessage: Handler = async (ctx, body) => {
  queueOf(ctx, body).delete(str(body, 'ReceiptHandle', 'MissingParameter'));
  return {};
};

const sendMessage: Handler = async (ctx, body) => {
  const text = str(body, 'MessageBody', 'MissingParameter');
  const id = queueOf(ctx, body).send(text);
  return { MessageId: id, MD5OfMessageBody: createHash('md5').update(text).digest('hex') };
};

export const INSTANCE_CONNECT_ACTIONS: Readonly<Record<string, Handler>> = {
  SendSSHPublicKey: sendSshPublicKey,
};

export const SQS_ACTIONS: Readonly<Record<string, Handler>> = {
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  SendMessage: sendMessage,
};

/** SQS's query-compatible error codes (`x-amzn-query-error`). */
export const SQS_QUERY_CODES: Readonly<Record<string, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
};
