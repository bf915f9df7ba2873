/**
 * CacheUrls that never throw: a presigning failure means "no shared cache for this key"
 * (a warning in the trace and the log), as gitlab-runner falls back to the local cache.
 */
import { describeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { CacheUrls, TraceSink } from './executor.js';

export function safeCacheUrls(
  urls: CacheUrls | undefined,
  logger: Logger,
  trace: TraceSink,
): CacheUrls | undefined {
  if (!urls) return undefined;
  const guard =
    (what: 'getUrl' | 'putUrl') =>
    async (key: string): Promise<string | undefined> => {
      try {
        return await urls[what](key);
      } catch (err: unknown) {
        logger.warn({ cacheKey: key, err: describeError(err) }, 'cannot create cache url');
        trace.warn(`cannot create a cache URL for ${key}; using the local cache only`);
        return undefined;
      }
    };
  return { getUrl: guard('getUrl'), putUrl: guard('putUrl') };
}
