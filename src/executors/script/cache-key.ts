/**
 * Cache keys as gitlab-runner derives them (protocol §6): expand job variables, default to
 * `<job name>/<ref>`, sanitise (cache/cachekey/cachekey.go), and name the object in the bucket.
 */
import { posix } from 'node:path';

export type SanitizeResult = { ok: true; key: string } | { ok: false; error: string };

/**
 * Decodes `%2F`/`%2E`, turns `\` into `/`, resolves `.`/`..` inside a virtual root and trims
 * trailing whitespace from the rightmost segments (dropping those that become empty).
 */
export function sanitizeCacheKey(raw: string): SanitizeResult {
  if (raw === '') return { ok: false, error: 'empty cache key' };
  const normalised = raw.replace(/%2f/gi, '/').replace(/%2e/gi, '.').replace(/\\/g, '/');
  const cleaned = posix
    .normalize('/' + normalised)
    .replace(/^\/+/, '')
    .replace(/\/+$/, '');
  const parts = cleaned.split('/');
  let n = parts.length;
  while (n > 0) {
    const trimmed = parts[n - 1]!.replace(/\s+$/u, '');
    parts[n - 1] = trimmed;
    if (trimmed !== '') break;
    n--;
  }
  const key = parts.slice(0, n).join('/');
  if (key === '' || key === '.') {
    return { ok: false, error: `cache key ${JSON.stringify(raw)} could not be sanitized` };
  }
  return { ok: true, key };
}

export interface CacheObjectOptions {
  /** `[runners.cache] Path`, may be empty. */
  path: string;
  /** `[runners.cache] Shared`. */
  shared: boolean;
  /** The runner's short token. */
  shortToken: string;
  projectId: number;
}

/**
 * The object name of a (sanitised) key: `[Path/]runner/<short-token>/project/<id>/<key>`, or
 * `[Path/]project/<id>/<key>` when the cache is shared between runners.
 */
export function cacheObjectName(key: string, options: CacheObjectOptions): string {
  const prefix = options.path.replace(/^\/+|\/+$/g, '');
  const scope = options.shared
    ? `project/${options.projectId}`
    : `runner/${options.shortToken}/project/${options.projectId}`;
  return [prefix, scope, key].filter((s) => s !== '').join('/');
}
