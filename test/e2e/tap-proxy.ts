/**
 * A recording HTTP proxy in front of the sandbox server: everything the manager and its instances
 * send (runner API, git, artifacts) goes through it, and the bodies of runner API requests are
 * kept, so tests can check what really went over the wire (e.g. the raw trace PATCH bodies).
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SystemClock } from '../../src/platform/clock.js';

export interface TappedRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  /** When the request arrived (system clock, ms). */
  atMs: number;
  status?: number;
}

export interface TapProxy {
  readonly url: string;
  /** Runner API requests (`/api/v4/...`) seen so far, in arrival order. */
  readonly requests: readonly TappedRequest[];
  setTarget(url: string): void;
  stop(): Promise<void>;
}

const KEEP_BODY_BYTES = 4 * 1024 * 1024;

export async function startTapProxy(): Promise<TapProxy> {
  const clock = new SystemClock();
  const requests: TappedRequest[] = [];
  let target: URL | undefined;

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    if (!target) {
      res.writeHead(502).end('no target');
      return;
    }
    const path = req.url ?? '/';
    const tapped: TappedRequest | undefined = path.startsWith('/api/v4/')
      ? {
          method: req.method ?? '',
          path,
          headers: { ...req.headers },
          body: Buffer.alloc(0),
          atMs: clock.now(),
        }
      : undefined;
    if (tapped) requests.push(tapped);
    const chunks: Buffer[] = [];
    let kept = 0;
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path,
        headers: { ...req.headers, host: target.host },
      },
      (up) => {
        if (tapped) tapped.status = up.statusCode;
        res.writeHead(up.statusCode ?? 502, up.statusMessage, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.on('data', (chunk: Buffer) => {
      if (tapped && kept < KEEP_BODY_BYTES) {
        chunks.push(chunk);
        kept += chunk.length;
      }
    });
    req.on('end', () => {
      if (tapped) tapped.body = Buffer.concat(chunks);
    });
    req.on('aborted', () => upstream.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  };

  const server = createServer(forward);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setTarget(url: string): void {
      target = new URL(url);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
