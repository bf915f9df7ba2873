/**
 * Server-side AWS Signature Version 4 check for the AWS double: the `Authorization` header must
 * be well formed (algorithm, credential scope, signed headers including host and x-amz-date,
 * a 64-hex signature), the scope's date must match `x-amz-date`, and — for a known access key —
 * the signature must be the one its secret produces over the canonical request.
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface SignedRequest {
  method: string;
  /** Path and query as received, e.g. `/` or `/?a=b`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SigV4Identity {
  accessKeyId: string;
  region: string;
  service: string;
}

export type SigV4Failure =
  | 'MissingAuthenticationToken'
  | 'IncompleteSignature'
  | 'InvalidClientTokenId'
  | 'SignatureDoesNotMatch';

export type SigV4Result =
  { ok: true; identity: SigV4Identity } | { ok: false; code: SigV4Failure; message: string };

const AUTH_PATTERN =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer =>
  createHmac('sha256', key).update(data).digest();

function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalQuery(search: URLSearchParams): string {
  return [...search.entries()]
    .map(([k, v]) => [uriEscape(k), uriEscape(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value.join(',') : value).trim().replace(/\s+/g, ' ');
}

/** The canonical request SigV4 signs, for the listed headers. */
export function canonicalRequest(request: SignedRequest, signedHeaders: readonly string[]): string {
  const url = new URL(request.url, 'http://double.invalid');
  const path = url.pathname
    .split('/')
    .map((segment) => uriEscape(uriEscape(decodeURIComponent(segment))))
    .join('/');
  const headers = signedHeaders
    .map((h) => `${h}:${headerValue(request.headers, h) ?? ''}\n`)
    .join('');
  const payloadHash = headerValue(request.headers, 'x-amz-content-sha256') ?? sha256(request.body);
  return [
    request.method,
    path || '/',
    canonicalQuery(url.searchParams),
    headers,
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export function signatureFor(
  secretAccessKey: string,
  scope: { date: string; region: string; service: string },
  amzDate: string,
  canonical: string,
): string {
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256(canonical)].join('\n');
  const kDate = hmac(`AWS4${secretAccessKey}`, scope.date);
  const kSigning = hmac(hmac(hmac(kDate, scope.region), scope.service), 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign).digest('hex');
}

/** Verifies a request's SigV4 signature against the known secrets (access key id → secret). */
export function verifySigV4(
  request: SignedRequest,
  secrets: ReadonlyMap<string, string>,
): SigV4Result {
  const authorization = headerValue(request.headers, 'authorization');
  if (!authorization) {
    return {
      ok: false,
      code: 'MissingAuthenticationToken',
      message: 'Request is missing Authentication Token',
    };
  }
  const match = AUTH_PATTERN.exec(authorization);
  if (!match) {
    return {
      ok: false,
      code: 'IncompleteSignature',
      message: `Authorization header is not a well-formed SigV4 header: ${authorization.slice(0, 80)}`,
    };
  }
  const [, accessKeyId, date, region, service, signedList, signature] =
    match as unknown as string[];
  const signedHeaders = signedList!.split(';');
  const amzDate = headerValue(request.headers, 'x-amz-date');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date') || !amzDate) {
    return {
      ok: false,
      code: 'IncompleteSignature',
      message: 'SignedHeaders must include host and x-amz-date',
    };
  }
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== date) {
    return {
      ok: false,
      code: 'IncompleteSignature',
      message: `credential scope date ${date} does not match x-amz-date ${amzDate}`,
    };
  }
  const sorted = [...signedHeaders].sort();
  if (sorted.join(';') !== signedHeaders.join(';')) {
    return { ok: false, code: 'IncompleteSignature', message: 'SignedHeaders are not sorted' };
  }
  const secret = secrets.get(accessKeyId!);
  if (secret === undefined) {
    return {
      ok: false,
      code: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
    };
  }
  const expected = signatureFor(
    secret,
    { date: date, region: region!, service: service! },
    amzDate,
    canonicalRequest(request, signedHeaders),
  );
  if (expected !== signature) {
    return {
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided.',
    };
  }
  return { ok: true, identity: { accessKeyId: accessKeyId!, region: region!, service: service! } };
}
