import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import { SpotrunnerError } from '../../platform/errors.js';
import { MemoryLogger } from '../../platform/logger.js';
import { startHttpDouble, type HttpDouble, type Reply } from '../testing/http-double.js';
import { drive, trackedFetch } from '../testing/virtual-drive.js';
import { createHttpTransport, type HttpRequest } from './http-transport.js';

let server: HttpDouble | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(replies: Reply[]) {
  const clock = new VirtualClock();
  const seenAt: number[] = [];
  server = await startHttpDouble(() => {
    seenAt.push(clock.now());
    return replies.length > 1 ? replies.shift()! : replies[0]!;
  });
  const net = trackedFetch();
  const transport = createHttpTransport(
    { clock, logger: new MemoryLogger(), fetch: net.fetch, random: () => 0.5 },
    {
      baseUrl: `${server.url}/api/v4/`,
      userAgent: 'spotrunner 0.1.0 (x; node; linux/amd64)',
      requestTimeoutMs: 5000,
    },
  );
  const send = (req: HttpRequest) => drive(clock, net, transport.send(req));
  return { clock, seenAt, transport, send, requests: server.requests };
}

const post: HttpRequest = {
  method: 'POST',
  path: 'jobs/request',
  json: { token: 't' },
  expectJson: true,
};

describe('http transport', () => {
  it('sends the common headers', async () => {
    const { send, requests } = await setup([{ status: 200, body: { ok: true } }]);
    const res = await send({ ...post, headers: { 'RUNNER-TOKEN': 't' } });
    expect(res.json).toEqual({ ok: true });
    const h = requests[0]!.headers;
    expect(h['user-agent']).toBe('spotrunner 0.1.0 (x; node; linux/amd64)');
    expect(h['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(h.accept).toBe('application/json');
    expect(h['content-type']).toBe('application/json');
    expect(h['runner-token']).toBe('t');
    expect(requests[0]!.path).toBe('/api/v4/jobs/request');
  });

  it('retries a 502 and replays the same body', async () => {
    const { send, requests } = await setup([
      { status: 502 },
      { status: 502 },
      { status: 201, body: {} },
    ]);
    const res = await send({ ...post, json: { token: 't', n: 1 } });
    expect(res.status).toBe(201);
    expect(requests.map((r) => r.body.toString())).toEqual(Array(3).fill('{"token":"t","n":1}'));
  });

  it('replays a streamed body on each attempt', async () => {
    const { send, requests } = await setup([{ status: 503 }, { status: 202 }]);
    let made = 0;
    const body = (): ReadableStream<Uint8Array> => {
      made++;
      return new Blob(['chunk']).stream();
    };
    expect((await send({ method: 'PATCH', path: 'jobs/1/trace', body })).status).toBe(202);
    expect(made).toBe(2);
    expect(requests.map((r) => r.body.toString())).toEqual(['chunk', 'chunk']);
  });

  it('waits as long as Retry-After says', async () => {
    const { send, seenAt } = await setup([
      { status: 429, headers: { 'Retry-After': '7' } },
      { status: 200, body: {} },
    ]);
    await send(post);
    expect(seenAt[1]! - seenAt[0]!).toBe(7000);
  });

  it('waits until RateLimit-ResetTime, preferring it to Retry-After', async () => {
    const clock0 = new VirtualClock().now();
    const reset = new Date(clock0 + 12_000).toUTCString();
    const { send, seenAt } = await setup([
      { status: 503, headers: { 'RateLimit-ResetTime': reset, 'Retry-After': '60' } },
      { status: 200, body: {} },
    ]);
    await send(post);
    expect(seenAt[1]).toBe(clock0 + 12_000);
  });

  it('backs off exponentially from 100 ms without server hints, 5 attempts in total', async () => {
    const { send, seenAt } = await setup([{ status: 500 }]);
    const res = await send(post);
    expect(res.status).toBe(500);
    expect(seenAt).toHaveLength(5);
    const gaps = seenAt.slice(1).map((t, i) => t - seenAt[i]!);
    expect(gaps).toEqual([75, 150, 300, 600]); // jitter fixed at 0.5: ¾ of 100·2^n
  });

  it('does not retry other client errors', async () => {
    const { send, requests } = await setup([{ status: 409, body: { message: 'conflict' } }]);
    expect((await send(post)).status).toBe(409);
    expect(requests).toHaveLength(1);
  });

  it('reports a dead server as a retryable transport error', async () => {
    const { send } = await setup([{ status: 200 }]);
    await server!.close();
    const err = await send(post).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpotrunnerError);
    expect((err as SpotrunnerError).code).toBe('gitlab_transport');
    expect((err as SpotrunnerError).retryable).toBe(true);
    server = undefined;
  });

  it('rejects with the caller abort reason while waiting to retry', async () => {
    const { clock, transport } = await setup([{ status: 503, headers: { 'Retry-After': '30' } }]);
    const ac = new AbortController();
    const pending = transport.send({ ...post, signal: ac.signal });
    while (clock.pendingTimers === 0) await new Promise((r) => setImmediate(r));
    ac.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });
});
