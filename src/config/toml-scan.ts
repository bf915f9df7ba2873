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

/** Classifies every character of `text` (string delimiters count as part of their string). */
export function classifyToml(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  let state: CharClass = CODE;
  let i = 0;
  const mark = (from: number, to: number, cls: CharClass): void => {
    out.fill(cls, from, Math.min(to, text.length));
  };
  while (i < text.length) {
    const c = text[i];
    if (state === CODE) {
      if (c === '#') {
        state = COMMENT;
        mark(i, i + 1, COMMENT);
      } else if (text.startsWith('"""', i)) {
        state = ML_BASIC;
        mark(i, i + 3, ML_BASIC);
        i += 2;
      } else if (text.startsWith("'''", i)) {
        state = ML_LITERAL;
        mark(i, i + 3, ML_LITERAL);
        i += 2;
      } else if (c === '"') {
        state = BASIC;
        mark(i, i + 1, BASIC);
      } else if (c === "'") {
        state = LITERAL;
        mark(i, i + 1, LITERAL);
      }
      // CODE is 0, already filled.
    } else if (state === COMMENT) {
      if (c === '\n') state = CODE;
      else mark(i, i + 1, COMMENT);
    } else if (state === BASIC || state === LITERAL) {
      if (c === '\n') {
        state = CODE; // unterminated single-line string: let the parser report it
      } else {
        mark(i, i + 1, state);
        if (state === BASIC && c === '\\') {
          mark(i + 1, i + 2, BASIC);
          i += 1;
        } else if ((state === BASIC && c === '"') || (state === LITERAL && c === "'")) {
          state = CODE;
        }
      }
    } else {
      const quote = state === ML_BASIC ? '"' : "'";
      mark(i, i + 1, state);
      if (state === ML_BASIC && c === '\\') {
        mark(i + 1, i + 2, state);
        i += 1;
      } else if (text.startsWith(quote.repeat(3), i)) {
        // A closing delimiter may be preceded by up to two quotes that belong to the content.
        let j = i + 3;
        while (j < i + 5 && text[j] === quote) j += 1;
        mark(i, j, state);
        i = j - 1;
        state = CODE;
      }
    }
    i += 1;
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
