/**
 * IMDSv2 per instance, served by the double under `/imds/<instance-id>/latest/…`: a session
 * token from `PUT /latest/api/token`, required on every metadata GET (401 without it), and the
 * interruption paths that answer 404 until AWS (the test) schedules something.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { DoubleState } from './double-state.js';

export interface ImdsResponse {
  status: number;
  body: string;
  contentType: string;
}

const text = (status: number, body: string): ImdsResponse => ({
  status,
  body,
  contentType: 'text/plain',
});
const json = (value: unknown): ImdsResponse => ({
  status: 200,
  body: JSON.stringify(value),
  contentType: 'text/plain',
});

export class ImdsService {
  readonly #state: DoubleState;
  readonly #tokens = new Map<string, { instanceId: string; expiresAtMs: number }>();

  constructor(state: DoubleState) {
    this.#state = state;
  }

  handle(
    method: string,
    instanceId: string,
    path: string,
    headers: IncomingHttpHeaders,
  ): ImdsResponse {
    const instance = this.#state.instance(instanceId);
    if (!instance || instance.ec2State === 'terminated') return text(404, 'Not Found');
    const now = this.#state.clock.now();
    if (path === '/latest/api/token') {
      if (method !== 'PUT') return text(405, 'Method Not Allowed');
      const ttl = Number(headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) return text(400, 'Bad Request');
      const token = randomUUID();
      this.#tokens.set(token, { instanceId, expiresAtMs: now + ttl * 1_000 });
      return text(200, token);
    }
    if (method !== 'GET') return text(405, 'Method Not Allowed');
    const token = headers['x-aws-ec2-metadata-token'];
    const session = typeof token === 'string' ? this.#tokens.get(token) : undefined;
    if (!session || session.instanceId !== instanceId || session.expiresAtMs < now) {
      return text(401, 'Unauthorized');
    }
    return this.#metadata(path, instanceId);
  }

  #metadata(path: string, instanceId: string): ImdsResponse {
    const i = this.#state.instance(instanceId)!;
    switch (path) {
      case '/latest/meta-data/instance-id':
        return text(200, i.id);
      case '/latest/meta-data/instance-type':
        return text(200, i.instanceType);
      case '/latest/meta-data/instance-life-cycle':
        return text(200, i.lifecycle);
      case '/latest/meta-data/placement/availability-zone':
        return text(200, i.zone);
      case '/latest/meta-data/spot/instance-action':
        return i.imds.instanceAction
          ? json({
              action: i.imds.instanceAction.action,
              time: isoSeconds(i.imds.instanceAction.timeMs),
            })
          : text(404, 'Not Found');
      case '/latest/meta-data/events/recommendations/rebalance':
        return i.imds.rebalanceAtMs === undefined
          ? text(404, 'Not Found')
          : json({ noticeTime: isoSeconds(i.imds.rebalanceAtMs) });
      default:
        return text(404, 'Not Found');
    }
  }
}

/** IMDS writes times without milliseconds: `2026-01-05T00:02:00Z`. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
