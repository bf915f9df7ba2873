/**
 * An S3-compatible HTTP server for tests: path-style buckets, GET/PUT/HEAD/DELETE of objects,
 * and real SigV4 verification of presigned URLs (query-string auth) and of header-signed SDK
 * requests, so the manager's presigning is checked the way S3 checks it. Objects live in memory.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface S3Double {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  objects: Map<string, { body: Buffer; metadata: Record<string, string> }>;
  requests: { method: string; path: string; status: number }[];
  stop(): Promise<void>;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer =>
  createHmac('sha256', key).update(data).digest();
const enc = (s: string): string =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

interface Auth {
  credential: string;
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  payloadHash: string;
  query: URLSearchParams;
  expiresSec?: number;
}

function readAuth(req: IncomingMessage, url: URL): Auth | undefined {
  const q = url.searchParams;
  if (q.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') {
    return {
      credential: q.get('X-Amz-Credential') ?? '',
      amzDate: q.get('X-Amz-Date') ?? '',
      signedHeaders: (q.get('X-Amz-SignedHeaders') ?? '').split(';'),
      signature: q.get('X-Amz-Signature') ?? '',
      payloadHash: 'UNSIGNED-PAYLOAD',
      query: q,
      expiresSec: Number(q.get('X-Amz-Expires') ?? '0'),
    };
  }
  const h = req.headers.authorization;
  const m =
    h &&
    /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(h);
  if (!m) return undefined;
  return {
    credential: m[1]!,
    amzDate: String(req.headers['x-amz-date'] ?? ''),
    signedHeaders: m[2]!.split(';'),
    signature: m[3]!,
    payloadHash: String(req.headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD'),
    query: url.searchParams,
  };
}

function verify(
  req: IncomingMessage,
  url: URL,
  secret: string,
  accessKey: string,
  nowMs: number,
): string | undefined {
  const auth = readAuth(req, url);
  if (!auth) return 'AccessDenied: no signature';
  const [key, date, region, service] = auth.credential.split('/');
  if (key !== accessKey) return 'InvalidAccessKeyId';
  const query = [...auth.query.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = auth.signedHeaders
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}\n`,
    )
    .join('');
  const path = url.pathname
    .split('/')
    .map((s) => enc(decodeURIComponent(s)))
    .join('/');
  const canonical = [
    req.method,
    path,
    query,
    headers,
    auth.signedHeaders.join(';'),
    auth.payloadHash,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', auth.amzDate, scope, sha256(canonical)].join('\n');
  const expected = hmac(
    signingKey(secret, date ?? '', region ?? '', service ?? ''),
    toSign,
  ).toString('hex');
  if (expected !== auth.signature) return 'SignatureDoesNotMatch';
  if (auth.expiresSec !== undefined) {
    const t = auth.amzDate;
    const signedAt = Date.UTC(
      +t.slice(0, 4),
      +t.slice(4, 6) - 1,
      +t.slice(6, 8),
      +t.slice(9, 11),
      +t.slice(11, 13),
      +t.slice(13, 15),
    );
    if (nowMs > signedAt + auth.expiresSec * 1000) return 'AccessDenied: Request has expired';
  }
  return undefined;
}

function xmlError(res: ServerResponse, status: number, code: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code.split(':')[0]}</Code><Message>${code}</Message></Error>`,
  );
}

export async function startS3Double(
  options: { region?: string; bucket?: string; now?: () => number } = {},
): Promise<S3Double> {
  const region = options.region ?? 'us-east-1';
  const accessKeyId = 'AKIATESTCACHE0000001';
  const secretAccessKey = 'test-secret-key-for-the-s3-double';
  const objects = new Map<string, { body: Buffer; metadata: Record<string, string> }>();
  const requests: S3Double['requests'] = [];
  const now = options.now ?? (() => Date.now());
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const done = (status: number): void => {
        requests.push({ method: req.method ?? '', path: url.pathname, status });
      };
      const problem = verify(req, url, secretAccessKey, accessKeyId, now());
      if (problem) {
        done(403);
        xmlError(res, 403, problem);
        return;
      }
      const key = decodeURIComponent(url.pathname.replace(/^\//, ''));
      if (req.method === 'PUT') {
        const metadata: Record<string, string> = {};
        for (const [k, v] of [...url.searchParams.entries(), ...Object.entries(req.headers)]) {
          if (k.startsWith('x-amz-meta-')) metadata[k.slice(11)] = String(v);
        }
        objects.set(key, { body: Buffer.concat(chunks), metadata });
        done(200);
        res.writeHead(200, { etag: `"${sha256(Buffer.concat(chunks)).slice(0, 32)}"` });
        res.end();
        return;
      }
      const obj = objects.get(key);
      if (req.method === 'DELETE') {
        objects.delete(key);
        done(204);
        res.writeHead(204).end();
        return;
      }
      if (!obj) {
        done(404);
        xmlError(res, 404, 'NoSuchKey');
        return;
      }
      done(200);
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': obj.body.length,
      });
      res.end(req.method === 'HEAD' ? undefined : obj.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId,
    secretAccessKey,
    region,
    objects,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
