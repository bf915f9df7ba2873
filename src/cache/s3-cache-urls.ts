/**
 * Presigned S3 URLs for the cache, made by the manager (which holds the credentials) and handed
 * to the job's scripts, which do plain HTTP GET/PUT from the instance. The S3 client is built in
 * app/ from `[runners.cache.s3]`.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { CacheUrls } from '../executors/executor.js';
import type { Logger } from '../platform/logger.js';
import { describeError } from '../platform/errors.js';
import {
  cacheObjectName,
  sanitizeCacheKey,
  type CacheObjectOptions,
} from '../executors/script/cache-key.js';

export interface S3CacheUrlsOptions extends CacheObjectOptions {
  bucket: string;
  /** How long URLs stay valid: the job timeout (and at least 10 minutes). */
  expiresInSec: number;
  serverSideEncryption?: string;
  serverSideEncryptionKeyId?: string;
}

export function createS3CacheUrls(
  deps: { s3: S3Client; logger: Logger },
  options: S3CacheUrlsOptions,
): CacheUrls {
  const expiresIn = Math.min(7 * 24 * 3600, Math.max(600, Math.ceil(options.expiresInSec)));
  const objectFor = (key: string): string | undefined => {
    const clean = sanitizeCacheKey(key);
    if (!clean.ok) {
      deps.logger.warn({ key }, 'cache key is empty after sanitising; cache skipped');
      return undefined;
    }
    return cacheObjectName(clean.key, options);
  };
  const sign = async (key: string, method: 'GET' | 'PUT'): Promise<string | undefined> => {
    const object = objectFor(key);
    if (!object) return undefined;
    try {
      const command =
        method === 'GET'
          ? new GetObjectCommand({ Bucket: options.bucket, Key: object })
          : new PutObjectCommand({
              Bucket: options.bucket,
              Key: object,
              Metadata: { cachekey: key },
              ...sseFields(options),
            });
      // Hoist every x-amz-* header into the query string, so the job's plain `curl` needs none.
      return await getSignedUrl(deps.s3, command, { expiresIn, hoistableHeaders: HOISTED });
    } catch (err: unknown) {
      deps.logger.error({ key, err: describeError(err) }, 'cannot presign cache url');
      return undefined;
    }
  };
  return {
    getUrl: (key) => sign(key, 'GET'),
    putUrl: (key) => sign(key, 'PUT'),
  };
}

const HOISTED = new Set([
  'x-amz-server-side-encryption',
  'x-amz-server-side-encryption-aws-kms-key-id',
  'x-amz-meta-cachekey',
]);

function sseFields(o: S3CacheUrlsOptions): {
  ServerSideEncryption?: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  SSEKMSKeyId?: string;
} {
  switch (o.serverSideEncryption?.toUpperCase()) {
    case 'S3':
      return { ServerSideEncryption: 'AES256' };
    case 'KMS':
      return {
        ServerSideEncryption: 'aws:kms',
        ...(o.serverSideEncryptionKeyId ? { SSEKMSKeyId: o.serverSideEncryptionKeyId } : {}),
      };
    case 'DSSE-KMS':
      return {
        ServerSideEncryption: 'aws:kms:dsse',
        ...(o.serverSideEncryptionKeyId ? { SSEKMSKeyId: o.serverSideEncryptionKeyId } : {}),
      };
    default:
      return {};
  }
}
