/**
 * A small lexical pass over TOML text: which characters are code, inside which kind of string,
 * or inside a comment. Shared by `${VAR}` expansion (no expansion in comments, escaping inside
 * strings), the key→line index, and the in-place `[[runners]]` editor.
 */

export const CODE = 0;
export const BASIC = 1;
export const LITERAL = 2;
export const ML_BASIC = 3;
export const ML_LITERAL = 4;
export const COMMENT = 5;

export type CharClass =
  | typeof CODE
  | typeof BASIC
  | typeof LITERAL
  | typeof ML_BASIC
  | typeof ML_LITERAL
  | typeof COMMENT;

/** In CODE at `i`: the state that starts here and how many delimiter characters it takes. */
function openAt(text: string, i: number): [CharClass, number] {
  const c = text[i];
  if (c === '#') return [COMMENT, 1];
  if (text.startsWith('"""', i)) return [ML_BASIC, 3];
  if (text.startsWith("'''", i)) return [ML_LITERAL, 3];
  if (c === '"') return [BASIC, 1];
  if (c === "'") return [LITERAL, 1];
  return [CODE, 1];
}

/**
 * Inside a string or comment at `i`: how many characters belong to it from here, and the state
 * after them. A newline ends comments and (unterminated) single-line strings.
 */
function stepIn(text: string, i: number, state: CharClass): [number, CharClass, boolean] {
  const c = text[i];
  if (state === COMMENT || state === BASIC || state === LITERAL) {
    if (c === '\n') return [1, CODE, false];
    if (state === BASIC && c === '\\') return [2, BASIC, true];
    if ((state === BASIC && c === '"') || (state === LITERAL && c === "'")) return [1, CODE, true];
    return [1, state, true];
  }
  const quote = state === ML_BASIC ? '"' : "'";
  if (state === ML_BASIC && c === '\\') return [2, state, true];
  if (!text.startsWith(quote.repeat(3), i)) return [1, state, true];
  // A closing delimiter may be preceded by up to two quotes that belong to the content.
  let j = i + 3;
  while (j < i + 5 && text[j] === quote) j += 1;
  return [j - i, CODE, true];
}

/** Classifies every character of `text` (string delimiters count as part of their string). */
export function classifyToml(text: string): Uint8Array {
  const out = new Uint8Array(text.length); // all CODE
  let state: CharClass = CODE;
  let i = 0;
  while (i < text.length) {
    if (state === CODE) {
      const [next, length] = openAt(text, i);
      if (next !== CODE) out.fill(next, i, i + length);
      state = next;
      i += length;
    } else {
      const [length, next, marked] = stepIn(text, i, state);
      if (marked) out.fill(state, i, Math.min(i + length, text.length));
      state = next;
      i += length;
    }
  }
  return out;
}

/** Index of the `#` that starts a comment on the line [start, end), or `end` when there is none. */
export function commentStart(classes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) if (classes[i] === COMMENT) return i;
  return end;
}

/** Start offsets of every line (index 0 = line 1). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

const BARE = /^[A-Za-z0-9_-]+/;

/**
 * Parses a dotted TOML key (`a.b`, `"tls-ca-file"`, `'x'.y`) from the start of `text`.
 * Returns the segments and how many characters were consumed, or undefined when it is no key.
 */
export function parseDottedKey(text: string): { segments: string[]; length: number } | undefined {
  const segments: string[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i += 1;
    const rest = text.slice(i);
    const bare = BARE.exec(rest);
    if (bare) {
      segments.push(bare[0]);
      i += bare[0].length;
    } else if (rest.startsWith('"') || rest.startsWith("'")) {
      const quote = rest[0]!;
      let j = 1;
      let value = '';
      while (j < rest.length && rest[j] !== quote) {
        if (quote === '"' && rest[j] === '\\' && j + 1 < rest.length) {
          value += unescapeBasic(rest[j + 1]!);
          j += 2;
        } else {
          value += rest[j];
          j += 1;
        }
      }
      if (j >= rest.length) return undefined;
      segments.push(value);
      i += j + 1;
    } else {
      return undefined;
    }
    let k = i;
    while (text[k] === ' ' || text[k] === '\t') k += 1;
    if (text[k] !== '.') return { segments, length: i };
    i = k + 1;
  }
}

function unescapeBasic(c: string): string {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    default:
      return c;
  }
}
