/**
 * Variable values that hold a directory known only on the instance. A builds_dir like
 * `builds`, `$PWD/builds` or `~/builds` resolves where commands start or in the login user's
 * home, so CI_BUILDS_DIR, CI_PROJECT_DIR and file-variable paths carry a marker for that base.
 * Expansion on the manager copies the marker like any text; a script renders it as the base
 * directory its stage captured at start (`$__sr_base`, `$__sr_home`), never from the job's
 * own variables. A job value cannot contain a marker (NUL is not valid in a variable).
 */
import { shellQuote } from './shell-quote.js';

const NUL = String.fromCharCode(0);
const PWD_MARK = `${NUL}PWD${NUL}`;
const HOME_MARK = `${NUL}HOME${NUL}`;
const MARKS = new RegExp(`${NUL}(PWD|HOME)${NUL}`, 'g');
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
  return value.split(NUL).join('');
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
