const PREFIXES: readonly RegExp[] = [
  /^glrt-(?:t[123]_)?/,
  /^glrtr-/,
  /^glcbt-/,
  /^t[123]_/,
  /^GR[0-9a-fA-F]{7}/,
];

/**
 * gitlab-runner's short token (`helpers/shorten_token.go`), used here for the default
 * `state_storage.dir`: strip one known prefix, keep the first 9 characters; tokens shorter than
 * 8 characters stay as they are. (src/gitlab has the same rule for logs; config does not import it.)
 */
export function shortenToken(token: string): string {
  if (token.length < 8) return token;
  const prefix = PREFIXES.find((re) => re.test(token));
  return (prefix ? token.replace(prefix, '') : token).slice(0, 9);
}
