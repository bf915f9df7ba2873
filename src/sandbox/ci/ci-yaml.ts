/**
 * Loads `.gitlab-ci.yml` text into plain values the way GitLab's loader (Ruby's Psych) does:
 * a key given twice keeps its last value (reported as a warning naming both lines), a `<<`
 * merge overrides the keys written before it and yields to those after it, anchors and aliases
 * are shared, and `!reference [a, b]` becomes a CiReference resolved later (ci-reference.ts).
 * Plain scalars resolve as Psych (YAML 1.1) resolves them: `yes/no/on/off/true/false` in any
 * case are booleans (`y`/`n` stay strings), `~`/`null` in any case is null.
 */
import {
  isAlias,
  isMap as isYamlMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
  type Pair,
  type ScalarTag,
  type Tags,
} from 'yaml';
import type { CiIssues } from './ci-parts.js';
import { CiReference } from './ci-reference.js';
import { isMap, scalarText, type YamlMap } from './ci-values.js';

/** Work allowed for aliases, against documents built to explode in size (billion laughs). */
const MAX_EXPANDED_NODES = 1_000_000;

interface Walk {
  doc: Document;
  lines: LineCounter;
  where: string;
  issues: CiIssues;
  memo: Map<Node, unknown>;
  sizes: Map<Node, number>;
  expanded: number;
}

class TooBigError extends Error {}

const BOOL_TAG = 'tag:yaml.org,2002:bool';
const NULL_TAG = 'tag:yaml.org,2002:null';

/** Psych's `ScalarScanner#tokenize` for booleans and null, in place of YAML 1.2's. */
const PSYCH_SCALARS: ScalarTag[] = [
  {
    identify: (v) => v === null || v === undefined,
    default: true,
    tag: NULL_TAG,
    test: /^(?:~|null)?$/i,
    resolve: () => null,
  },
  {
    identify: (v) => v === true,
    default: true,
    tag: BOOL_TAG,
    test: /^(?:yes|true|on)$/i,
    resolve: () => true,
  },
  {
    identify: (v) => v === false,
    default: true,
    tag: BOOL_TAG,
    test: /^(?:no|false|off)$/i,
    resolve: () => false,
  },
];

function psychTags(tags: Tags): Tags {
  const rest = tags.filter(
    (t) => typeof t === 'string' || (t.tag !== BOOL_TAG && t.tag !== NULL_TAG),
  );
  return [...PSYCH_SCALARS, ...rest];
}

const lineOf = (w: Walk, node: { range?: [number, number, number] | null }): number =>
  node.range ? w.lines.linePos(node.range[0]).line : 0;

function sizeOf(w: Walk, node: unknown): number {
  if (!node || typeof node !== 'object') return 1;
  const known = w.sizes.get(node as Node);
  if (known !== undefined) return known;
  let size = 1;
  if (isAlias(node)) size = sizeOf(w, node.resolve(w.doc));
  else if (isYamlMap(node))
    for (const p of node.items) size += sizeOf(w, p.key) + sizeOf(w, p.value);
  else if (isSeq(node)) for (const item of node.items) size += sizeOf(w, item);
  w.sizes.set(node as Node, size);
  return size;
}

function isMergeKey(pair: Pair): boolean {
  const key = pair.key;
  return isScalar(key) && key.value === '<<' && key.tag !== 'tag:yaml.org,2002:str';
}

function scalarSource(node: unknown): string {
  return isScalar(node) && typeof node.source === 'string' ? node.source : '';
}

function keyText(key: unknown): string {
  return key === null || key === undefined ? '' : scalarText(key);
}

/** `<<: *a` / `<<: [*a, *b]`: earlier maps in a list win, and the merge overrides earlier keys. */
function mergeInto(out: YamlMap, value: unknown): boolean {
  const sources = Array.isArray(value) ? [...(value as unknown[])].reverse() : [value];
  if (!sources.every(isMap)) return false;
  const merged: YamlMap = {};
  for (const source of sources) Object.assign(merged, source);
  Object.assign(out, merged);
  return true;
}

function convertMap(w: Walk, node: Node & { items: Pair[] }, path: string): YamlMap {
  const out: YamlMap = {};
  const seenAt = new Map<string, number>();
  for (const pair of node.items) {
    const rawKey = convert(w, pair.key as Node | null, path);
    const key = keyText(rawKey);
    // Psych reads an unquoted `on:`/`yes:`/`true:` key as a boolean; GitLab then has a job
    // whose name is not a string, which it refuses (its docs list `true`/`false` as unusable).
    if (path === '' && typeof rawKey === 'boolean' && isYamlMap(pair.value))
      w.issues.errors.push(
        `${w.where}:${lineOf(w, pair.key ?? {})}: jobs:${key} name should be a symbol (an unquoted "${scalarSource(pair.key)}" key is a YAML 1.1 boolean; quote it)`,
      );
    const value = convert(w, pair.value as Node | null, path ? `${path}.${key}` : key);
    if (isMergeKey(pair) && mergeInto(out, value)) continue;
    const line = lineOf(w, pair.key ?? {});
    const first = seenAt.get(key);
    if (first !== undefined) {
      w.issues.warnings.push(
        `${w.where}: key "${key}"${path ? ` of ${path}` : ''} is given on lines ${first} and ${line}; the last one wins, as in GitLab`,
      );
    } else seenAt.set(key, line);
    out[key] = value;
  }
  return out;
}

function convert(w: Walk, node: Node | null, path: string): unknown {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) {
    const target = node.resolve(w.doc);
    if (!target) return null;
    w.expanded += sizeOf(w, target);
    if (w.expanded > MAX_EXPANDED_NODES) throw new TooBigError('The parsed YAML is too big');
    return convert(w, target, path);
  }
  if (w.memo.has(node)) return w.memo.get(node);
  let value: unknown;
  if (isYamlMap(node)) value = convertMap(w, node, path);
  else if (isSeq(node)) value = node.items.map((item) => convert(w, item as Node, path));
  else if (isScalar(node)) value = node.value;
  else value = null;
  if (node.tag === '!reference') value = new CiReference(value, `${w.where}:${lineOf(w, node)}`);
  w.memo.set(node, value);
  return value;
}

/** A file's documents: GitLab reads at most two, the first being a header when it has `spec:`. */
export interface CiYamlDocuments {
  /** The first document when it has `spec:` and a second document follows. */
  header?: YamlMap;
  content: YamlMap;
}

const MAX_DOCUMENTS = 2;

function documentToMap(
  doc: Document,
  lines: LineCounter,
  where: string,
  issues: CiIssues,
): unknown {
  const w: Walk = { doc, lines, where, issues, memo: new Map(), sizes: new Map(), expanded: 0 };
  try {
    return convert(w, doc.contents, '');
  } catch (err: unknown) {
    if (!(err instanceof TooBigError)) throw err;
    issues.errors.push(`${where}: ${err.message}`);
    return undefined;
  }
}

/**
 * Parses a configuration file into its header (`spec:`, before `---`) and content; problems
 * land in `issues` with `file:line`. Empty documents are skipped, as GitLab skips them.
 */
export function parseCiYamlDocuments(
  text: string,
  issues: CiIssues,
  where = '.gitlab-ci.yml',
): CiYamlDocuments {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, {
    uniqueKeys: false,
    merge: false,
    customTags: psychTags,
    prettyErrors: false,
    lineCounter: lines,
  });
  const docs = Array.isArray(parsed) ? parsed : [];
  let failed = false;
  for (const doc of docs) {
    for (const err of doc.errors) {
      const line = lines.linePos(err.pos[0]).line;
      issues.errors.push(`${where}${line ? `:${line}` : ''}: ${err.message}`);
      failed = true;
    }
  }
  if (failed) return { content: {} };
  const values = docs.map((doc) => documentToMap(doc, lines, where, issues));
  if (issues.errors.length > 0) return { content: {} };
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length > MAX_DOCUMENTS) {
    issues.errors.push(`${where}: The parsed YAML has too many documents`);
    return { content: {} };
  }
  const [first, second] = present;
  const hasHeader = second !== undefined && isMap(first) && 'spec' in first;
  const content = hasHeader ? second : first;
  if (content === undefined) return { content: {} };
  if (!isMap(content)) {
    issues.errors.push(`${where}: root config should be a hash`);
    return { content: {} };
  }
  return hasHeader ? { header: first, content } : { content };
}

/** Parses YAML text into a plain object (the content document); see parseCiYamlDocuments. */
export function parseCiYaml(text: string, issues: CiIssues, where = '.gitlab-ci.yml'): YamlMap {
  return parseCiYamlDocuments(text, issues, where).content;
}
