/**
 * Cache key derivation as gitlab-runner does it (protocol §6): expand job variables, default to
 * `<job name>/<ref>`, sanitise (decode %2F/%2E, backslashes to slashes, resolve `.`/`..` inside a
 * virtual root, trim trailing whitespace), reject keys that end up empty.
 */
export interface SanitizedKey {
  key: string;
  /** Set when sanitising changed the key: gitlab-runner warns `cache key "x" sanitized to "y"`. */
  warning?: string;
}

/** `$VAR` / `${VAR}` expansion from a variable map; unknown names expand to empty, like bash. */
export function expandVariables(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, a, b) => {
      const name = (a ?? b) as string;
      return vars.get(name) ?? '';
    },
  );
}

export function sanitizeCacheKey(raw: string): SanitizedKey | undefined {
  const decoded = raw.replace(/%2f/gi, '/').replace(/%2e/gi, '.').replace(/\\/g, '/');
  const parts: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      parts.pop();
      continue;
    }
    parts.push(segment);
  }
  while (parts.length > 0 && parts[parts.length - 1]!.trim() === '') parts.pop();
  if (parts.length > 0) parts[parts.length - 1] = parts[parts.length - 1]!.trimEnd();
  const key = parts.join('/');
  if (key === '') return undefined;
  return key === raw ? { key } : { key, warning: `cache key "${raw}" sanitized to "${key}"` };
}

export interface CacheObjectPathOptions {
  /** `[runners.cache] Path`. */
  path: string;
  shared: boolean;
  /** Short runner token (9 chars, protocol §1.1). */
  shortToken: string;
  projectId: number;
}

/** `[<Path>/]runner/<short-token>/project/<id>/<key>`, or `[<Path>/]project/<id>/<key>` when Shared. */
export function cacheObjectName(key: string, o: CacheObjectPathOptions): string {
  const prefix = o.path.replace(/^\/+|\/+$/g, '');
  const scope = o.shared ? '' : `runner/${o.shortToken}/`;
  return `${prefix ? `${prefix}/` : ''}${scope}project/${o.projectId}/${key}`;
}
