/**
 * Streams the top-level objects out of a JSON array (`[{…},{…}]`) or JSON Lines (`{…}\n{…}`),
 * chunk by chunk, so a GitLab export of a million jobs is never parsed as one string.
 */
export interface JsonObjectText {
  text: string;
  /** 1-based line where the object starts. */
  line: number;
}

export class JsonStreamError extends Error {
  override readonly name = 'JsonStreamError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

interface ScanState {
  depth: number;
  inString: boolean;
  escaped: boolean;
  line: number;
  /** Text of the object being collected (earlier chunks). */
  partial: string;
  startLine: number;
  arrayOpen: boolean;
  arrayClosed: boolean;
}

function scanOutside(c: string, state: ScanState): void {
  if (c === '[' && !state.arrayOpen && !state.arrayClosed) state.arrayOpen = true;
  else if (c === ']' && state.arrayOpen) state.arrayClosed = true;
  else if (c === ',' && state.arrayOpen) return;
  else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\n') {
    throw new JsonStreamError(`unexpected "${c}" between job objects`, state.line);
  }
}

/** Yields the text of each top-level object with the line it starts on. */
export async function* readJsonObjects(
  chunks: AsyncIterable<string>,
): AsyncGenerator<JsonObjectText> {
  const s: ScanState = {
    depth: 0,
    inString: false,
    escaped: false,
    line: 1,
    partial: '',
    startLine: 1,
    arrayOpen: false,
    arrayClosed: false,
  };
  for await (const chunk of chunks) {
    let objStart = s.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === '\n') s.line++;
      if (s.depth === 0) {
        if (c === '{') {
          s.depth = 1;
          objStart = i;
          s.startLine = s.line;
        } else scanOutside(c, s);
        continue;
      }
      if (s.inString) {
        if (s.escaped) s.escaped = false;
        else if (c === '\\') s.escaped = true;
        else if (c === '"') s.inString = false;
        continue;
      }
      if (c === '"') s.inString = true;
      else if (c === '{' || c === '[') s.depth++;
      else if (c === '}' || c === ']') {
        s.depth--;
        if (s.depth === 0) {
          const text = s.partial + chunk.slice(objStart, i + 1);
          s.partial = '';
          objStart = -1;
          yield { text, line: s.startLine };
        }
      }
    }
    if (s.depth > 0) s.partial += chunk.slice(objStart);
  }
  if (s.depth > 0) throw new JsonStreamError('unterminated object at end of file', s.startLine);
}
