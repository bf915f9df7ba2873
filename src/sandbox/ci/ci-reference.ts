/**
 * `!reference [key, key, …]`: a value copied from elsewhere in the configuration. As in GitLab,
 * references are resolved once, after `include` and `extends`, over the whole configuration
 * (hidden jobs, jobs, `default`, `variables`, …); a reference inside the referenced value is
 * resolved too. A missing target, a malformed tag and a reference chain that loops back on
 * itself are errors with GitLab's messages.
 */
import type { CiIssues } from './ci-parts.js';
import { isMap, scalarText, type YamlMap } from './ci-values.js';

/** The tag as the YAML loader left it: a sequence of keys, or what was written instead. */
export class CiReference {
  constructor(
    /** The tagged node's value: a list of keys when the tag is well formed. */
    readonly data: unknown,
    /** `file:line` of the tag, for messages. */
    readonly where: string,
  ) {}

  get keys(): string[] | undefined {
    const d = this.data;
    return Array.isArray(d) && d.length > 0 && d.every((k) => typeof k === 'string')
      ? d
      : undefined;
  }
}

class ReferenceError extends Error {}

/** Ruby's `inspect` of the small values a tag holds, as GitLab's messages show them. */
export function rubyInspect(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return `[${value.map(rubyInspect).join(', ')}]`;
  if (isMap(value)) {
    const pairs = Object.entries(value).map(([k, v]) => `${rubyInspect(k)} => ${rubyInspect(v)}`);
    return `{${pairs.join(', ')}}`;
  }
  return scalarText(value);
}

/** GitLab's limit on work done by expansion, against documents built to explode in size. */
const MAX_VISITED_NODES = 1_000_000;

/** Returns `root` with every `!reference` replaced, or undefined after reporting an error. */
export function resolveReferences(root: YamlMap, issues: CiIssues): YamlMap | undefined {
  const done = new Map<CiReference, unknown>();
  const resolving = new Set<CiReference>();
  let visited = 0;

  const resolve = (ref: CiReference): unknown => {
    const keys = ref.keys;
    if (!keys)
      throw new ReferenceError(`!reference ${rubyInspect(ref.data)} is not valid (${ref.where})`);
    if (resolving.has(ref)) {
      throw new ReferenceError(
        `!reference ${rubyInspect(keys)} is part of a circular chain (${ref.where})`,
      );
    }
    if (done.has(ref)) return done.get(ref);
    resolving.add(ref);
    let target: unknown = root;
    for (const key of keys) target = isMap(target) ? target[key] : undefined;
    const value = deep(target);
    if (value === undefined || value === null || value === false) {
      throw new ReferenceError(`!reference ${rubyInspect(keys)} could not be found (${ref.where})`);
    }
    resolving.delete(ref);
    done.set(ref, value);
    return value;
  };

  const deep = (value: unknown): unknown => {
    if (++visited > MAX_VISITED_NODES) throw new ReferenceError('The parsed YAML is too big');
    if (value instanceof CiReference) return resolve(value);
    if (Array.isArray(value)) return value.map(deep);
    if (isMap(value)) {
      const out: YamlMap = {};
      for (const [k, v] of Object.entries(value)) out[k] = deep(v);
      return out;
    }
    return value;
  };

  try {
    return deep(root) as YamlMap;
  } catch (err: unknown) {
    if (!(err instanceof ReferenceError)) throw err;
    issues.errors.push(err.message);
    return undefined;
  }
}
