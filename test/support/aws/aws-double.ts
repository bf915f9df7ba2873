/**
 * An AWS-compatible HTTP endpoint for tests, so the real AWS SDK v3 runs end to end without AWS:
 * Auto Scaling and EC2 (query protocols), EC2 Instance Connect and SQS (JSON protocols), every
 * call SigV4-checked, plus IMDSv2 per instance. Instances are created and destroyed through a
 * backing provider (the `local` provider, or a stand-in), so they can be real SSH endpoints.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SystemClock, type Clock } from '../../../src/platform/clock.js';
import type { AwsDoubleBacking, AwsDoubleGroupSpec } from './double-model.js';
import { routeCall, type RouterContext } from './double-router.js';
import { DoubleState } from './double-state.js';
import { createDoubleControls, type AwsDoubleControls } from './double-controls.js';
import type { SpotPricePoint } from './ec2-api.js';
import { ImdsService } from './imds-api.js';
import { SqsQueue } from './sqs-queue.js';

/** The credentials the double accepts by default (write them to a profile for the SDK). */
export const AWS_DOUBLE_CREDENTIALS = {
  accessKeyId: 'AKIASPOTRUNNERTEST01',
  secretAccessKey: 'spotrunner/aws/double/secret/0000000000',
} as const;

export interface AwsDoubleOptions {
  backing: AwsDoubleBacking;
  groups: readonly AwsDoubleGroupSpec[];
  /** How long a launched instance stays Pending after its backing instance is up. */
  bootMs?: number;
  clock?: Clock;
  region?: string;
  accountId?: string;
  /** Access key id → secret; defaults to AWS_DOUBLE_CREDENTIALS. */
  credentials?: readonly { accessKeyId: string; secretAccessKey: string }[];
  queueName?: string;
  spotPrices?: readonly SpotPricePoint[];
  /** Validity of keys pushed with SendSSHPublicKey (AWS: 60 s). */
  keyTtlMs?: number;
}

export interface AwsDouble {
  /** `http://127.0.0.1:<port>` — the SDK clients' `endpoint`. */
  endpoint: string;
  region: string;
  /** URL of the interruption queue (EventBridge → SQS). */
  queueUrl: string;
  controls: AwsDoubleControls;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function defaultSpotPrices(state: DoubleState): SpotPricePoint[] {
  const points: SpotPricePoint[] = [];
  for (const g of state.groups.values()) {
    for (const type of g.instanceTypes) {
      const base =
        ([...type].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 997, 7) / 997) * 0.1 + 0.02;
      g.zones.forEach((zone, k) =>
        points.push({
          instanceType: type,
          zone,
          priceUsd: base + k * 0.001,
          atMs: state.clock.now(),
        }),
      );
    }
  }
  return points;
}

function routerContext(
  options: AwsDoubleOptions,
  state: DoubleState,
  queues: ReadonlyMap<string, SqsQueue>,
): RouterContext {
  const creds = options.credentials ?? [AWS_DOUBLE_CREDENTIALS];
  return {
    state,
    queues,
    pushedKeys: [],
    keyTtlMs: options.keyTtlMs ?? 60_000,
    secrets: new Map(creds.map((c) => [c.accessKeyId, c.secretAccessKey])),
    spotPrices: options.spotPrices ?? defaultSpotPrices(state),
    requests: [],
    failures: [],
    throttleLeft: { count: 0 },
    holds: [],
  };
}

/** IMDS paths go to the instance's metadata service; everything else is a signed API call. */
function listener(
  ctx: RouterContext,
  imds: ImdsService,
): (req: IncomingMessage, res: ServerResponse) => void {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = req.url ?? '/';
    const imdsMatch = /^\/imds\/(i-[0-9a-f]+)(\/.*)$/.exec(url);
    if (imdsMatch) {
      const r = imds.handle(req.method ?? 'GET', imdsMatch[1]!, imdsMatch[2]!, req.headers);
      res.writeHead(r.status, { 'content-type': r.contentType }).end(r.body);
      return;
    }
    const wire = await routeCall(ctx, {
      method: req.method ?? 'GET',
      url,
      headers: req.headers,
      body,
    });
    res.writeHead(wire.status, wire.headers).end(wire.body);
  }
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      res
        .writeHead(500, { 'content-type': 'text/plain' })
        .end(err instanceof Error ? err.message : String(err));
    });
  };
}

export async function startAwsDouble(options: AwsDoubleOptions): Promise<AwsDouble> {
  const clock = options.clock ?? new SystemClock();
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const state = new DoubleState({
    clock,
    region,
    accountId,
    bootMs: options.bootMs ?? 0,
    backing: options.backing,
    groups: options.groups,
  });
  const queues = new Map<string, SqsQueue>();
  const ctx = routerContext(options, state, queues);
  const server = createServer(listener(ctx, new ImdsService(state)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const queuePath = `/${accountId}/${options.queueName ?? 'spotrunner-interruptions'}`;
  const queue = new SqsQueue(`${endpoint}${queuePath}`, clock);
  queues.set(queuePath, queue);
  const controls = createDoubleControls({ state, ctx, queue, endpoint });
  return {
    endpoint,
    region,
    queueUrl: queue.url,
    controls,
    async stop(): Promise<void> {
      controls.cancelTimers();
      queue.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await state.launcher.idle();
    },
  };
}
