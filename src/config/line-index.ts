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

/** Collects key and table lines while the text is scanned line by line. */
class IndexBuilder {
  readonly lines = new Map<string, number>();
  readonly byLine = new Map<number, string>();
  readonly #arrays = new Map<string, number>();
  #current: PathSegment[] = [];

  record(path: readonly PathSegment[], line: number): void {
    const key = formatKeyPath(path);
    if (!this.lines.has(key)) this.lines.set(key, line);
    if (!this.byLine.has(line)) this.byLine.set(line, key);
  }

  /** Header segments with the current index of every array of tables they pass through. */
  #resolve(segments: readonly string[]): PathSegment[] {
    const out: PathSegment[] = [];
    for (const seg of segments) {
      out.push(seg);
      const n = this.#arrays.get(formatKeyPath(out));
      if (n !== undefined) out.push(n);
    }
    return out;
  }

  /** `[[a.b]]`: a new element of the array `a.b` (counted per parent table). */
  arrayHeader(segments: readonly string[], line: number): void {
    const full = [...this.#resolve(segments.slice(0, -1)), segments[segments.length - 1]!];
    const fullKey = formatKeyPath(full);
    const n = (this.#arrays.get(fullKey) ?? -1) + 1;
    this.#arrays.set(fullKey, n);
    this.#current = [...full, n];
    this.record(full, line);
    this.record(this.#current, line);
  }

  tableHeader(segments: readonly string[], line: number): void {
    this.#current = this.#resolve(segments);
    this.record(this.#current, line);
  }

  key(segments: readonly string[], line: number): void {
    this.record([...this.#current, ...segments], line);
  }

  /** Reads one line of TOML (comment already removed, trimmed). */
  scan(content: string, line: number): void {
    const isArray = content.startsWith('[[');
    if (content.startsWith('[')) {
      const open = isArray ? 2 : 1;
      const key = parseDottedKey(content.slice(open));
      const close = isArray ? ']]' : ']';
      if (
        !key ||
        !content
          .slice(open + key.length)
          .trim()
          .startsWith(close)
      )
        return;
      if (isArray) this.arrayHeader(key.segments, line);
      else this.tableHeader(key.segments, line);
      return;
    }
    const key = parseDottedKey(content);
    if (key && content.slice(key.length).trim().startsWith('=')) this.key(key.segments, line);
  }
}

/**
 * Builds the index from table headers (`[a.b]`, `[[runners]]` with array indices counted per
 * parent, `[[runners.autoscaler.policy]]`) and `key =` lines. Lines are 1-based.
 */
export function buildKeyLineIndex(text: string): KeyLineIndex {
  const classes = classifyToml(text);
  const starts = lineStarts(text);
  const builder = new IndexBuilder();
  starts.forEach((start, idx) => {
    const prev = classes[start - 1];
    if (start > 0 && (prev === ML_BASIC || prev === ML_LITERAL)) return; // inside a multi-line string
    const lineEnd = idx + 1 < starts.length ? starts[idx + 1]! - 1 : text.length;
    builder.scan(text.slice(start, commentStart(classes, start, lineEnd)).trim(), idx + 1);
  });
  const { lines, byLine } = builder;
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
