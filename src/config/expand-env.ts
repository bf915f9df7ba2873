import type { ConfigIssue } from '../platform/errors.js';
import { BASIC, CODE, COMMENT, LITERAL, ML_BASIC, ML_LITERAL, classifyToml } from './toml-scan.js';

export type EnvMap = Readonly<Record<string, string | undefined>>;

export interface ExpandedText {
  text: string;
  /** Line `i` (0-based) of the expanded text came from this 1-based line of the original. */
  lineMap: readonly number[];
  /** Missing variables and malformed placeholders, each with its original line. */
  issues: ConfigIssue[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const JSONENCODE = /^jsonencode\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)$/;

/**
 * Expands `${NAME}` from `env` in TOML text before it is parsed, so unquoted placeholders
 * (`capacity_per_instance = ${capacity_per_instance}`) work as in templated files.
 * - `$$` is a literal `$`; a `$` not followed by `{` or `$` is kept as is.
 * - `${jsonencode(NAME)}` inserts NAME as a TOML array: as is when it parses as a JSON array of
 *   strings/numbers/booleans, otherwise split on commas into an array of strings.
 * - Inside `"…"` strings the value is escaped (quotes, backslashes, control characters), so any
 *   secret can be inserted safely; inside `'…'` strings a value with a quote is an error.
 * - Comments are left untouched.
 */
export function expandEnv(
  text: string,
  file: string,
  env: EnvMap,
  keyAt: (line: number) => string | undefined = () => undefined,
): ExpandedText {
  const classes = classifyToml(text);
  const issues: ConfigIssue[] = [];
  const lineMap: number[] = [1];
  let out = '';
  let line = 1;
  const emitSource = (s: string): void => {
    for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', k + 1)) lineMap.push(++line);
    out += s;
  };
  const emitInserted = (s: string): void => {
    for (let k = s.indexOf('\n'); k >= 0; k = s.indexOf('\n', k + 1)) lineMap.push(line);
    out += s;
  };
  const issue = (message: string): void => {
    const key = keyAt(line);
    issues.push(key === undefined ? { file, line, message } : { file, line, key, message });
  };

  let i = 0;
  while (i < text.length) {
    const j = text.indexOf('$', i);
    if (j < 0) {
      emitSource(text.slice(i));
      break;
    }
    emitSource(text.slice(i, j));
    const cls = classes[j] ?? CODE;
    if (cls === COMMENT) {
      emitSource('$');
      i = j + 1;
    } else if (text[j + 1] === '$') {
      out += '$';
      i = j + 2;
    } else if (text[j + 1] === '{') {
      const close = text.indexOf('}', j + 2);
      const eol = text.indexOf('\n', j + 2);
      if (close < 0 || (eol >= 0 && eol < close)) {
        issue('unterminated "${": write "${NAME}", or "$$" for a literal dollar sign');
        emitSource('${');
        i = j + 2;
        continue;
      }
      const inserted = expandOne(text.slice(j + 2, close).trim(), cls, env, issue);
      emitInserted(inserted ?? '');
      i = close + 1;
    } else {
      out += '$';
      i = j + 1;
    }
  }
  return { text: out, lineMap, issues };
}

function expandOne(
  expr: string,
  cls: number,
  env: EnvMap,
  issue: (message: string) => void,
): string | undefined {
  const fn = JSONENCODE.exec(expr);
  const name = fn ? fn[1]! : expr;
  if (!fn && !NAME.test(expr)) {
    issue(`unsupported placeholder "\${${expr}}": only \${NAME}, \${jsonencode(NAME)} and $$ are`);
    return undefined;
  }
  const value = env[name];
  if (value === undefined) {
    issue(`environment variable ${name} is not set (referenced as "\${${expr}}")`);
    return undefined;
  }
  if (fn) {
    if (cls !== CODE) {
      issue(`"\${${expr}}" inserts a TOML array and cannot stand inside a quoted string`);
      return undefined;
    }
    return jsonencode(value);
  }
  return encodeFor(cls, value, name, issue);
}

function encodeFor(
  cls: number,
  value: string,
  name: string,
  issue: (message: string) => void,
): string | undefined {
  if (cls === BASIC || cls === ML_BASIC) return escapeBasic(value);
  if (cls === LITERAL && /['\r\n]/.test(value)) {
    issue(
      `value of ${name} contains a quote or line break and cannot go inside a '…' string: use "…"`,
    );
    return undefined;
  }
  if (cls === ML_LITERAL && value.includes("'''")) {
    issue(`value of ${name} contains ''' and cannot go inside a '''…''' string: use """…"""`);
    return undefined;
  }
  return value;
}

/** Escapes a value for a TOML basic ("…") string. */
export function escapeBasic(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

function isTomlArrayValue(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(isTomlArrayValue);
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && isFinite(v));
}

/** Terraform's `jsonencode(list)`: a JSON array as is, or a comma-separated list as strings. */
export function jsonencode(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed) && parsed.every(isTomlArrayValue)) return JSON.stringify(parsed);
    } catch {
      // not JSON: fall through and split on commas, as documented
    }
  }
  const items = trimmed
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return JSON.stringify(items);
}
