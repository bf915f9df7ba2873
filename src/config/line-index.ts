import {
  ML_BASIC,
  ML_LITERAL,
  classifyToml,
  commentStart,
  lineStarts,
  parseDottedKey,
} from './toml-scan.js';

export type PathSegment = string | number;

/** Where each key and table of a TOML text is defined, so validation issues can name a line. */
export interface KeyLineIndex {
  /** Line of `path`, else of the nearest enclosing key or table that has one. */
  lineOf(path: readonly PathSegment[]): number | undefined;
  /** Line of exactly `path`. */
  exactLine(path: readonly PathSegment[]): number | undefined;
  /** The dotted path of the key or table defined on `line`, if any. */
  pathAt(line: number): string | undefined;
}

/** `['runners', 1, 'autoscaler', 'max_instances']` → `runners[1].autoscaler.max_instances`. */
export function formatKeyPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/**
 * Builds the index from table headers (`[a.b]`, `[[runners]]` with array indices counted per
 * parent, `[[runners.autoscaler.policy]]`) and `key =` lines. Lines are 1-based.
 */
export function buildKeyLineIndex(text: string): KeyLineIndex {
  const classes = classifyToml(text);
  const starts = lineStarts(text);
  const lines = new Map<string, number>();
  const byLine = new Map<number, string>();
  const arrays = new Map<string, number>();
  let current: PathSegment[] = [];

  const record = (path: readonly PathSegment[], line: number): void => {
    const key = formatKeyPath(path);
    if (!lines.has(key)) lines.set(key, line);
    if (!byLine.has(line)) byLine.set(line, key);
  };
  const resolve = (segments: readonly string[]): PathSegment[] => {
    const out: PathSegment[] = [];
    for (const seg of segments) {
      out.push(seg);
      const n = arrays.get(formatKeyPath(out));
      if (n !== undefined) out.push(n);
    }
    return out;
  };

  starts.forEach((start, idx) => {
    const line = idx + 1;
    const prev = classes[start - 1];
    if (start > 0 && (prev === ML_BASIC || prev === ML_LITERAL)) return; // inside a multi-line string
    const lineEnd = idx + 1 < starts.length ? starts[idx + 1]! - 1 : text.length;
    const content = text.slice(start, commentStart(classes, start, lineEnd)).trim();
    if (content.startsWith('[[')) {
      const key = parseDottedKey(content.slice(2));
      if (
        !key ||
        !content
          .slice(2 + key.length)
          .trim()
          .startsWith(']]')
      )
        return;
      const full = [...resolve(key.segments.slice(0, -1)), key.segments[key.segments.length - 1]!];
      const fullKey = formatKeyPath(full);
      const n = (arrays.get(fullKey) ?? -1) + 1;
      arrays.set(fullKey, n);
      current = [...full, n];
      record(full, line);
      record(current, line);
    } else if (content.startsWith('[')) {
      const key = parseDottedKey(content.slice(1));
      if (
        !key ||
        !content
          .slice(1 + key.length)
          .trim()
          .startsWith(']')
      )
        return;
      current = resolve(key.segments);
      record(current, line);
    } else {
      const key = parseDottedKey(content);
      if (!key || !content.slice(key.length).trim().startsWith('=')) return;
      record([...current, ...key.segments], line);
    }
  });

  return {
    exactLine: (path) => lines.get(formatKeyPath(path)),
    lineOf: (path) => {
      for (let k = path.length; k > 0; k--) {
        const found = lines.get(formatKeyPath(path.slice(0, k)));
        if (found !== undefined) return found;
      }
      return undefined;
    },
    pathAt: (line) => byLine.get(line),
  };
}
