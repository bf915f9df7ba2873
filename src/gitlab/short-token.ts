/**
 * Short tokens (gitlab-runner-protocol.md §1.1) and a safe way to show a token in logs.
 */

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

export { shortenToken } from '../config/short-token.js';

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
