/** `extends:` resolution and `default:` inheritance, on raw YAML maps. */
import type { CiIssues } from './ci-parts.js';
import { deepMerge, isMap, toStringList, type YamlMap } from './ci-values.js';

const MAX_EXTENDS_DEPTH = 11;

/** Keywords a job inherits from `default:` (and the deprecated global forms). */
export const DEFAULT_KEYWORDS = [
  'after_script',
  'artifacts',
  'before_script',
  'cache',
  'hooks',
  'image',
  'interruptible',
  'retry',
  'services',
  'tags',
  'timeout',
  'id_tokens',
] as const;

/** Resolves `extends` for every entry of `jobs` (visible and hidden), deep-merging parents first. */
export function resolveExtends(
  jobs: Record<string, YamlMap>,
  issues: CiIssues,
): Record<string, YamlMap> {
  const resolved: Record<string, YamlMap> = {};
  const resolve = (name: string, depth: number, chain: string[]): YamlMap => {
    const done = resolved[name];
    if (done) return done;
    const job = jobs[name] ?? {};
    const parents = toStringList(job.extends);
    if (parents.length === 0 || depth > MAX_EXTENDS_DEPTH) {
      if (depth > MAX_EXTENDS_DEPTH) issues.errors.push(`${name}: nesting too deep in extends`);
      const { extends: _drop, ...rest } = job;
      return (resolved[name] = rest);
    }
    let merged: YamlMap = {};
    for (const parent of parents) {
      if (chain.includes(parent)) {
        issues.errors.push(`${name}: circular dependency detected in extends`);
        continue;
      }
      if (!jobs[parent]) {
        issues.errors.push(`${name}: unknown key in extends (${parent})`);
        continue;
      }
      merged = deepMerge(merged, resolve(parent, depth + 1, [...chain, parent]));
    }
    const { extends: _drop, ...own } = job;
    return (resolved[name] = deepMerge(merged, own));
  };
  for (const name of Object.keys(jobs)) resolve(name, 0, [name]);
  return resolved;
}

function inheritList(value: unknown): { all: boolean; keys: string[] } {
  if (value === false) return { all: false, keys: [] };
  if (Array.isArray(value)) return { all: false, keys: toStringList(value) };
  return { all: true, keys: [] };
}

/** Fills keywords the job lacks from `default:`, honouring `inherit:default`. */
export function applyDefaults(job: YamlMap, defaults: YamlMap): YamlMap {
  const inherit = isMap(job.inherit) ? inheritList(job.inherit.default) : { all: true, keys: [] };
  const out: YamlMap = { ...job };
  for (const key of DEFAULT_KEYWORDS) {
    if (out[key] !== undefined || defaults[key] === undefined) continue;
    if (inherit.all || inherit.keys.includes(key)) out[key] = defaults[key];
  }
  return out;
}

/** Which global variables a job inherits (`inherit:variables`). */
export function inheritedVariableFilter(job: YamlMap): (key: string) => boolean {
  const inherit = isMap(job.inherit) ? inheritList(job.inherit.variables) : { all: true, keys: [] };
  return (key) => inherit.all || inherit.keys.includes(key);
}
