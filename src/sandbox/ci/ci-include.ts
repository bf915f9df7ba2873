/** `include:` support: local files of the same commit; every other form is reported. */
import type { CiIssues } from './ci-parts.js';
import { deepMerge, isMap, type YamlMap } from './ci-values.js';
import { parseCiYaml } from './ci-yaml.js';

export type ReadLocalFile = (path: string) => Promise<string | undefined>;

const MAX_INCLUDES = 150;

function localPath(entry: unknown, issues: CiIssues): string | undefined {
  if (typeof entry === 'string') {
    if (/^https?:\/\//.test(entry)) {
      issues.warnings.push(
        `include ${entry}: remote includes are not supported by the sandbox and were ignored`,
      );
      return undefined;
    }
    return entry;
  }
  if (isMap(entry) && typeof entry.local === 'string') return entry.local;
  const kind = isMap(entry) ? Object.keys(entry).join(',') : typeof entry;
  issues.warnings.push(
    `include (${kind}): only local includes are supported by the sandbox; ignored`,
  );
  return undefined;
}

/** Merges included files under the including one (the including file wins), recursively. */
export async function resolveIncludes(
  root: YamlMap,
  read: ReadLocalFile | undefined,
  issues: CiIssues,
  seen: Set<string> = new Set(),
): Promise<YamlMap> {
  if (root.include === undefined) return root;
  const { include, ...rest } = root;
  const entries = Array.isArray(include) ? (include as unknown[]) : [include];
  let merged: YamlMap = {};
  for (const entry of entries) {
    const path = localPath(entry, issues);
    if (path === undefined) continue;
    if (!read) {
      issues.warnings.push(`include ${path}: includes cannot be read here and were ignored`);
      continue;
    }
    const normalized = path.replace(/^\/+/, '');
    if (seen.has(normalized) || seen.size >= MAX_INCLUDES) {
      issues.errors.push(`include ${path}: included more than once or too many includes`);
      continue;
    }
    seen.add(normalized);
    const text = await read(normalized);
    if (text === undefined) {
      issues.errors.push(`Local file \`${normalized}\` does not exist!`);
      continue;
    }
    const child = await resolveIncludes(parseCiYaml(text, issues, normalized), read, issues, seen);
    merged = deepMerge(merged, child);
  }
  return deepMerge(merged, rest);
}
