import { parseDocument } from 'yaml';
import type { CiIssues } from './ci-parts.js';
import { isMap, type YamlMap } from './ci-values.js';

/** Parses YAML text into a plain object (anchors and `<<` merge keys resolved). */
export function parseCiYaml(text: string, issues: CiIssues, where = '.gitlab-ci.yml'): YamlMap {
  const doc = parseDocument(text, { merge: true, prettyErrors: false });
  for (const err of doc.errors) issues.errors.push(`${where}: ${err.message}`);
  if (doc.errors.length > 0) return {};
  const value: unknown = doc.toJS({ maxAliasCount: 10_000 });
  if (value === null || value === undefined) return {};
  if (!isMap(value)) {
    issues.errors.push(`${where}: root config should be a hash`);
    return {};
  }
  return value;
}
