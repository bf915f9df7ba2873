/**
 * S3 (REST-XML, path-style `/<bucket>?<subresource>`) as `aws setup` uses it for the cache
 * bucket: CreateBucket, HeadBucket, DeleteBucket (refused while objects remain), and the
 * encryption, lifecycle, publicAccessBlock and tagging subresources, stored as sent and read back.
 */
import type { IncomingCall } from './double-router.js';
import type { DoubleState } from './double-state.js';
import { escapeXml } from './xml.js';
import type { WireResponse } from './protocol-responses.js';
import { setupStore } from './setup-store.js';

const SUBRESOURCES: Record<string, { root: string; missing: string }> = {
  encryption: {
    root: 'ServerSideEncryptionConfiguration',
    missing: 'ServerSideEncryptionConfigurationNotFoundError',
  },
  lifecycle: { root: 'LifecycleConfiguration', missing: 'NoSuchLifecycleConfiguration' },
  publicAccessBlock: {
    root: 'PublicAccessBlockConfiguration',
    missing: 'NoSuchPublicAccessBlockConfiguration',
  },
  tagging: { root: 'Tagging', missing: 'NoSuchTagSet' },
};

function error(
  status: number,
  code: string,
  message: string,
  requestId: string,
  head = false,
): WireResponse {
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
    body: head
      ? ''
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
  };
}

const ok = (requestId: string, body = '', status = 200): WireResponse => ({
  status,
  headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
  body,
});

export function handleS3(state: DoubleState, call: IncomingCall, requestId: string): WireResponse {
  const url = new URL(call.url, 'http://double.invalid');
  const bucketName = decodeURIComponent(url.pathname.split('/')[1] ?? '');
  const sub = [...url.searchParams.keys()].find((k) => k in SUBRESOURCES);
  const buckets = setupStore(state).buckets;
  const bucket = buckets.get(bucketName);
  const method = call.method.toUpperCase();
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucketName))
    return error(400, 'InvalidBucketName', 'The specified bucket is not valid.', requestId);
  if (method === 'PUT' && !sub) {
    if (bucket)
      return error(
        409,
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        requestId,
      );
    const text = call.body.toString('utf8');
    const location =
      /<LocationConstraint>([^<]*)<\/LocationConstraint>/.exec(text)?.[1] ?? 'us-east-1';
    if (location !== state.region)
      return error(
        400,
        'IllegalLocationConstraintException',
        `The ${location} location constraint is incompatible for the region specific endpoint this request was sent to.`,
        requestId,
      );
    buckets.set(bucketName, { region: location, parts: new Map(), objects: 0 });
    return { ...ok(requestId), headers: { ...ok(requestId).headers, location: `/${bucketName}` } };
  }
  if (!bucket)
    return error(
      404,
      method === 'HEAD' ? 'NotFound' : 'NoSuchBucket',
      'The specified bucket does not exist',
      requestId,
      method === 'HEAD',
    );
  if (method === 'HEAD') return ok(requestId);
  if (method === 'DELETE' && !sub) {
    if (bucket.objects > 0)
      return error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty', requestId);
    buckets.delete(bucketName);
    return ok(requestId, '', 204);
  }
  if (!sub)
    return error(
      501,
      'NotImplemented',
      `the double does not serve ${method} ${url.search}`,
      requestId,
    );
  const spec = SUBRESOURCES[sub]!;
  if (method === 'PUT') {
    const text = call.body
      .toString('utf8')
      .trim()
      .replace(/^<\?xml[^>]*\?>\s*/, '');
    if (!new RegExp(`^<${spec.root}[\\s>]`).test(text) || !text.endsWith(`</${spec.root}>`))
      return error(400, 'MalformedXML', `expected a ${spec.root} document`, requestId);
    bucket.parts.set(sub, text);
    return ok(requestId, '', sub === 'tagging' ? 204 : 200);
  }
  if (method === 'GET') {
    const stored = bucket.parts.get(sub);
    if (stored === undefined)
      return error(404, spec.missing, `The ${sub} configuration does not exist`, requestId);
    return ok(requestId, `<?xml version="1.0" encoding="UTF-8"?>\n${stored}`);
  }
  if (method === 'DELETE') {
    bucket.parts.delete(sub);
    return ok(requestId, '', 204);
  }
  return error(
    405,
    'MethodNotAllowed',
    'The specified method is not allowed against this resource.',
    requestId,
  );
}
