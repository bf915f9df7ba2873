import type { ConfigIssue } from '../platform/errors.js';
import { CONFIG_CATALOG, keyHomes, knownKeys, type TableSpec } from './key-catalog.js';
import { formatKeyPath, type KeyLineIndex, type PathSegment } from './line-index.js';
import { didYouMean } from './suggest.js';

export interface KeyCheckResult {
  /** Unknown keys (typos, keys of no gitlab-runner version). */
  errors: ConfigIssue[];
  /** Keys gitlab-runner accepts that spotrunner ignores, set to a non-default value. */
  warnings: ConfigIssue[];
}

export const NOT_IMPLEMENTED =
  'accepted by gitlab-runner, not implemented by spotrunner yet: ignored';

export function isPlainTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function isZero(v: unknown): boolean {
  if (v === false || v === 0 || v === '' || v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainTable(v)) return Object.values(v).every(isZero);
  return false;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Walks the parsed TOML against the key catalog: unknown keys become errors (with a "did you
 * mean" or "it belongs in …" hint), ignored gitlab-runner keys with a non-default value warnings.
 */
export function checkKeys(
  raw: Record<string, unknown>,
  file: string,
  index: KeyLineIndex,
): KeyCheckResult {
  const result: KeyCheckResult = { errors: [], warnings: [] };
  const homes = keyHomes(CONFIG_CATALOG);
  const issue = (path: PathSegment[], message: string): ConfigIssue => ({
    file,
    line: index.lineOf(path),
    key: formatKeyPath(path),
    message,
  });

  const walk = (table: Record<string, unknown>, spec: TableSpec, path: PathSegment[]): void => {
    if (spec.free) return;
    const shape = spec.schema?.shape ?? {};
    for (const [key, value] of Object.entries(table)) {
      const here = [...path, key];
      const sub = spec.tables?.[key];
      const arr = spec.arrays?.[key];
      if (sub) {
        if (isPlainTable(value)) walk(value, sub, here);
      } else if (arr) {
        if (Array.isArray(value)) {
          value.forEach((item, i) => isPlainTable(item) && walk(item, arr, [...here, i]));
        }
      } else if (Object.hasOwn(shape, key)) {
        // implemented: zod checks the value
      } else if (spec.ignored && Object.hasOwn(spec.ignored, key)) {
        const def = spec.ignored[key];
        const isDefault = def === undefined ? isZero(value) : sameValue(value, def);
        if (!isDefault) result.warnings.push(issue(here, NOT_IMPLEMENTED));
      } else {
        result.errors.push(issue(here, unknownKeyMessage(key, spec, homes)));
      }
    }
  };
  walk(raw, CONFIG_CATALOG, []);
  return result;
}

function unknownKeyMessage(key: string, spec: TableSpec, homes: Map<string, string[]>): string {
  const elsewhere = homes.get(key)?.filter((label) => label !== spec.label);
  if (elsewhere && elsewhere.length > 0) {
    return `unknown key "${key}" in ${spec.label}: it belongs in ${elsewhere.join(' or ')}`;
  }
  const suggestion = didYouMean(key, knownKeys(spec));
  if (suggestion !== undefined) {
    return `unknown key "${key}" in ${spec.label}: did you mean "${suggestion}"?`;
  }
  return `unknown key "${key}" in ${spec.label}: not a gitlab-runner or spotrunner setting`;
}
