/**
 * Variable values that hold a directory known only on the instance. A builds_dir like
 * `builds`, `$PWD/builds` or `~/builds` resolves where commands start or in the login user's
 * home, so CI_BUILDS_DIR, CI_PROJECT_DIR and file-variable paths carry a marker for that base.
 * Expansion on the manager copies the marker like any text; a script renders it as the base
 * directory its stage captured at start (`$__sr_base`, `$__sr_home`), never from the job's
 * own variables. A job value cannot contain a marker (NUL is not valid in a variable).
 */
import { shellQuote } from './shell-quote.js';

const PWD_MARK = '\u0000PWD\u0000';
const HOME_MARK = '\u0000HOME\u0000';
const MARKS = /\u0000(PWD|HOME)\u0000/g;
const LEADING = /^(\$PWD|\$\{PWD\}|\$HOME|\$\{HOME\}|~)(?=\/|$)/;

/** A layout path (`/abs`, `$PWD/…`, `$HOME/…`, `~/…`, see `absolutePath`) as a variable value. */
export function pathValue(path: string): string {
  return path.replace(LEADING, (m) => (m.includes('PWD') ? PWD_MARK : HOME_MARK));
}

/** A variable value back as a layout path (`$PWD/…`, `$HOME/…` or literal). */
export function valuePath(value: string): string {
  return value.replace(MARKS, (_m, base: string) => `$${base}`);
}

/** Drops NUL characters from a value that comes from a job or the config. */
export function plainValue(value: string): string {
  return value.replace(/\u0000/g, '');
}

/** Whether the value starts at an instance-side base directory. */
export function isRuntimePath(value: string): boolean {
  return value.startsWith(PWD_MARK) || value.startsWith(HOME_MARK);
}

/** One bash word for a value: literal text, with each marker as its base directory. */
export function valueWord(value: string): string {
  let out = '';
  let last = 0;
  for (const m of value.matchAll(MARKS)) {
    const literal = value.slice(last, m.index);
    if (literal !== '') out += shellQuote(literal);
    out += m[1] === 'PWD' ? '"$__sr_base"' : '"$__sr_home"';
    last = m.index + m[0].length;
  }
  const tail = value.slice(last);
  if (tail !== '' || out === '') out += shellQuote(tail);
  return out;
}
