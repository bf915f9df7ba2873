/**
 * gitlab-runner's variable expansion: Go's `os.Expand` with `Variables.Get` as the mapping.
 * `$NAME` and `${NAME}` take a variable's value (unknown names give ''), `$$` is a literal `$`,
 * the shell specials `$*`, `$#`, `$@`, `$!`, `$?`, `$-` and `$0`…`$9` give '', a `$` before
 * anything else (or at the end) stays, and bad syntax (`${}`, an unclosed `${`) is dropped.
 * Nothing comes from the environment of the manager or of the instance.
 */

const SPECIAL = new Set([
  '*',
  '#',
  '$',
  '@',
  '!',
  '?',
  '-',
  '0',
  '1',
  '2',
  '3',
  '4',
  '5',
  '6',
  '7',
  '8',
  '9',
]);

function isNameChar(c: string): boolean {
  return /^[A-Za-z0-9_]$/.test(c);
}

/** Go's getShellName: the name after a `$` and how many characters it took. */
function shellName(s: string): { name: string; width: number } {
  const first = s[0]!;
  if (first === '{') {
    if (s.length > 2 && SPECIAL.has(s[1]!) && s[2] === '}') return { name: s[1]!, width: 3 };
    const close = s.indexOf('}', 1);
    if (close === 1) return { name: '', width: 2 }; // "${}": bad syntax, eaten
    if (close < 0) return { name: '', width: 1 }; // unclosed "${": eaten
    return { name: s.slice(1, close), width: close + 1 };
  }
  if (SPECIAL.has(first)) return { name: first, width: 1 };
  let i = 0;
  while (i < s.length && isNameChar(s[i]!)) i++;
  return { name: s.slice(0, i), width: i };
}

/** gitlab-runner's `Variables.Get` for the names it treats specially. */
function specialValue(name: string): string | undefined {
  if (name === '$') return '$';
  if (name.length === 1 && SPECIAL.has(name) && name !== '-') return '';
  return undefined;
}

/** Expands `text` like gitlab-runner; `lookup` answers a variable name ('' when unknown). */
export function expandVariables(text: string, lookup: (name: string) => string): string {
  let out = '';
  let last = 0;
  for (let j = 0; j < text.length; j++) {
    if (text[j] !== '$' || j + 1 >= text.length) continue;
    out += text.slice(last, j);
    const { name, width } = shellName(text.slice(j + 1));
    if (name === '' && width === 0) out += '$';
    else if (name !== '') out += specialValue(name) ?? lookup(name);
    j += width;
    last = j + 1;
  }
  return out + text.slice(last);
}
