/**
 * Quoting helpers for generated bash. Everything a generator puts into a script goes through
 * one of these, so user values can never break out of their word.
 */

export const ANSI = {
  reset: '\x1b[0;m',
  boldGreen: '\x1b[32;1m',
  boldCyan: '\x1b[36;1m',
  yellow: '\x1b[0;33m',
  boldRed: '\x1b[31;1m',
  clear: '\x1b[0K',
} as const;

/** One literal bash word: `'…'` with embedded single quotes escaped. */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

const REF = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * One bash word whose `$NAME` and `${NAME}` references expand when the script runs (undefined
 * names become empty, as gitlab-runner's expansion does); everything else — backticks, `$(…)`,
 * globs, quotes — stays literal.
 */
export function expandableWord(value: string): string {
  let out = '';
  let last = 0;
  for (const m of value.matchAll(REF)) {
    const literal = value.slice(last, m.index);
    if (literal !== '') out += shellQuote(literal);
    out += `"\${${m[1] ?? m[2]}}"`;
    last = m.index + m[0].length;
  }
  const tail = value.slice(last);
  if (tail !== '' || out === '') out += shellQuote(tail);
  return out;
}

/**
 * Renders a directory path for a script. A leading `$PWD`, `$HOME` or `~` expands on the
 * instance (so a relative builds_dir means "below where commands start"); a relative path is
 * taken below that directory. `$PWD` and `$HOME` mean the directories the stage started with,
 * which stage scripts keep in `$__sr_base` and `$__sr_home` (they `cd` around, and a job may
 * export its own HOME). Everything else is literal.
 */
export function shellPath(path: string): string {
  const m = /^(\$PWD|\$\{PWD\}|\$HOME|\$\{HOME\}|~)(\/.*)?$/.exec(path);
  if (m) {
    const base = m[1]!.includes('PWD') ? '"$__sr_base"' : '"$__sr_home"';
    return m[2] ? base + shellQuote(m[2]) : base;
  }
  if (!path.startsWith('/')) return `"$__sr_base"${shellQuote('/' + path)}`;
  return shellQuote(path);
}

/** Normalises a path to the `$PWD/…` form `shellPath` understands. */
export function absolutePath(path: string): string {
  if (/^(\$PWD|\$\{PWD\}|\$HOME|\$\{HOME\}|~)(\/|$)/.test(path) || path.startsWith('/')) {
    return path.replace(/\/+$/, '') || '/';
  }
  return `$PWD/${path.replace(/^\.\/?/, '').replace(/\/+$/, '')}`.replace(/\/$/, '');
}

/** `printf` of one line, coloured like gitlab-runner's notices (printf is a builtin). */
export function echoColored(color: string, text: string): string {
  return `printf '%s\\n' ${shellQuote(color + text + ANSI.reset)}`;
}

export function echoNotice(text: string): string {
  return echoColored(ANSI.boldGreen, text);
}

export function echoWarning(text: string): string {
  return echoColored(ANSI.yellow, `WARNING: ${text}`);
}

export function echoError(text: string): string {
  return echoColored(ANSI.boldRed, `ERROR: ${text}`);
}

/** Like `echoNotice`, but `$NAME` references in `text` expand at runtime. */
export function echoNoticeExpanded(text: string): string {
  return `printf '%s\\n' ${shellQuote(ANSI.boldGreen)}${expandableWord(text)}${shellQuote(ANSI.reset)}`;
}

/** Builds a command line from literal words. */
export function command(...words: string[]): string {
  return words.map(shellQuote).join(' ');
}
