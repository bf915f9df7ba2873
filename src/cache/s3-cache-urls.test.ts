import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Double, type S3Double } from '../../test/support/s3-double.js';
import { MemoryLogger } from '../platform/logger.js';
import { createS3CacheUrls } from './s3-cache-urls.js';

let s3: S3Double;
let client: S3Client;
let clock = Date.now();

beforeAll(async () => {
  s3 = await startS3Double({ now: () => clock });
  client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
});

const base = {
  bucket: 'cache',
  path: 'ci',
  shortToken: 't9Wkyj-HG',
  projectId: 17,
  expiresInSec: 3600,
};

describe('S3 cache URLs', () => {
  it('presigns GET and PUT that S3 accepts, under runner/<short token>/project/<id>/<key>', async () => {
    const urls = createS3CacheUrls(
      { s3: client, logger: new MemoryLogger() },
      { ...base, shared: false },
    );
    const get = await urls.getUrl('node-modules-non_protected');
    expect((await fetch(get!)).status).toBe(404);
    const put = await urls.putUrl('node-modules-non_protected');
    const res = await fetch(put!, { method: 'PUT', body: 'zip bytes' });
    expect(res.status).toBe(200);
    const stored = s3.objects.get(
      'cache/ci/runner/t9Wkyj-HG/project/17/node-modules-non_protected',
    );
    expect(stored?.body.toString()).toBe('zip bytes');
    expect(stored?.metadata.cachekey).toBe('node-modules-non_protected');
    const again = await fetch(get!);
    expect(again.status).toBe(200);
    expect(await again.text()).toBe('zip bytes');
  });

  it('lays shared caches out under project/<id>/<key> and sanitises the key', async () => {
    const urls = createS3CacheUrls(
      { s3: client, logger: new MemoryLogger() },
      { ...base, shared: true },
    );
    const put = await urls.putUrl('a%2Fb/../c\\d ');
    await fetch(put!, { method: 'PUT', body: 'x' });
    expect([...s3.objects.keys()]).toContain('cache/ci/project/17/a/c/d');
  });

  it('skips a key that sanitises to nothing', async () => {
    const logger = new MemoryLogger();
    const urls = createS3CacheUrls({ s3: client, logger }, { ...base, shared: true });
    expect(await urls.getUrl('../..')).toBeUndefined();
    expect(logger.messages('warn')).toContain('cache key is empty after sanitising; cache skipped');
  });

  it('produces URLs that S3 refuses once tampered with or expired', async () => {
    const urls = createS3CacheUrls(
      { s3: client, logger: new MemoryLogger() },
      { ...base, shared: true },
    );
    const get = (await urls.getUrl('k'))!;
    expect((await fetch(get.replace('/k?', '/other?'))).status).toBe(403);
    clock += 2 * 3600_000;
    expect((await fetch(get)).status).toBe(403);
    clock -= 2 * 3600_000;
  });
});
