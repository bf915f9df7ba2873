import type { z } from 'zod';
import type { ConfigIssue } from '../platform/errors.js';
import { formatKeyPath, type KeyLineIndex, type PathSegment } from './line-index.js';
import { isPlainTable } from './check-keys.js';

const SECRET_KEY = /token|secret|password|accesskey|dsn/i;

/** The value at `path` in the parsed TOML. */
export function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (typeof seg === 'number') cur = Array.isArray(cur) ? (cur[seg] as unknown) : undefined;
    else cur = isPlainTable(cur) ? cur[seg] : undefined;
  }
  return cur;
}

/** A short description of a config value for an error message; secrets show only their type. */
export function describeValue(value: unknown, key = ''): string {
  if (value === undefined) return 'nothing';
  if (SECRET_KEY.test(key) && !/path|file/i.test(key)) {
    return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
  }
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const text = JSON.stringify(value);
    return text.length <= 60 ? text : `a list of ${value.length}`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return 'a table';
}

/** zod issues → ConfigIssues naming file, line, key, what is expected and what was found. */
export function zodIssuesToConfigIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  file: string,
  index: KeyLineIndex,
): ConfigIssue[] {
  return issues.map((issue) => {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol');
    const value = valueAt(raw, path);
    const last = path[path.length - 1];
    const got = describeValue(value, typeof last === 'string' ? last : '');
    return {
      file,
      line: index.lineOf(path),
      key: formatKeyPath(path),
      message: `${issue.message}, got ${got}`,
    };
  });
}
