/**
 * Short tokens (gitlab-runner-protocol.md §1.1) and a safe way to show a token in logs.
 */

const SHORT_TOKEN_PREFIXES: readonly RegExp[] = [
  /^glrt-(?:t[123]_)?/,
  /^glrtr-/,
  /^glcbt-/,
  /^t[123]_/,
  /^GR[0-9a-fA-F]{7}/,
];

/** Known token prefixes, longest first, kept visible by `maskToken`. */
const VISIBLE_PREFIXES: readonly RegExp[] = [
  /^glrt-t[123]_/,
  /^glrtr-/,
  /^glcbt-/,
  /^glrt-/,
  /^glpat-/,
  /^t[123]_/,
  /^GR[0-9a-fA-F]{7}/,
];

/**
 * The short token used in logs and in cache paths: strip one known prefix (`glrt-` with an
 * optional partition marker, `glrtr-`, `glcbt-`, `t1_`…`t3_`, `GR` + 7 hex), keep 9 characters.
 * Tokens shorter than 8 characters are returned as they are.
 */
export function shortenToken(token: string): string {
  if (token.length < 8) return token;
  let rest = token;
  for (const prefix of SHORT_TOKEN_PREFIXES) {
    const m = prefix.exec(token);
    if (m) {
      rest = token.slice(m[0].length);
      break;
    }
  }
  return rest.slice(0, 9);
}

/**
 * A token as it may appear in logs: its known prefix, an ellipsis and the last 4 characters
 * (`glrt-…abcd`). Tokens too short to hide anything show only the prefix.
 */
export function maskToken(token: string | undefined): string {
  if (!token) return '(none)';
  const prefix = VISIBLE_PREFIXES.map((p) => p.exec(token)?.[0]).find((m) => m !== undefined) ?? '';
  const rest = token.slice(prefix.length);
  if (rest.length < 12) return `${prefix}…`;
  return `${prefix}…${rest.slice(-4)}`;
}

/** gitlab-runner treats a token as a "created runner" token iff it starts with `glrt-`. */
export function isCreatedRunnerToken(token: string): boolean {
  return token.startsWith('glrt-');
}
