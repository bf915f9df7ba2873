/**
 * A minimal HTTP server on 127.0.0.1:0 for client tests: every request is recorded (method,
 * path, query, headers, body) and answered by a handler the test controls.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The body parsed as JSON when it is JSON. */
  json: unknown;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON with `Content-Type: application/json`. */
  body?: string | Buffer | object;
}

/** Return a Reply, 'drop' to destroy the connection, or 'hang' to never answer. */
export type Handler = (
  req: RecordedRequest,
) => Reply | 'drop' | 'hang' | Promise<Reply | 'drop' | 'hang'>;

export interface HttpDouble {
  readonly url: string;
  readonly requests: RecordedRequest[];
  handler: Handler;
  close(): Promise<void>;
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let body: string | Buffer | undefined;
  if (Buffer.isBuffer(reply.body) || typeof reply.body === 'string') body = reply.body;
  else if (reply.body !== undefined) {
    body = JSON.stringify(reply.body);
    headers['Content-Type'] ??= 'application/json';
  }
  res.writeHead(reply.status, headers);
  res.end(body);
}

export async function startHttpDouble(handler: Handler, host = '127.0.0.1'): Promise<HttpDouble> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const double: HttpDouble = {
    url: '',
    requests,
    handler,
    close: () => closeServer(server, sockets),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://x');
      let json: unknown;
      if ((req.headers['content-type'] ?? '').startsWith('application/json')) {
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          json = undefined;
        }
      }
      const recorded = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        json,
      };
      requests.push(recorded);
      void Promise.resolve(double.handler(recorded)).then((reply) => {
        if (reply === 'drop') req.socket.destroy();
        else if (reply !== 'hang') send(res, reply);
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  (double as { url: string }).url = `http://${host}:${port}`;
  return double;
}

function closeServer(server: Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}
