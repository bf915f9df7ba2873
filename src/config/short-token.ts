const PREFIXES: readonly RegExp[] = [
  /^glrt-(?:t[123]_)?/,
  /^glrtr-/,
  /^glcbt-/,
  /^t[123]_/,
  /^GR[0-9a-fA-F]{7}/,
];

/**
 * gitlab-runner's short token (protocol §1.1, `helpers/shorten_token.go`), used in logs, cache
 * paths and the default `state_storage.dir`: strip one known prefix (`glrt-` with an optional
 * partition marker, `glrtr-`, `glcbt-`, `t1_`…`t3_`, `GR` + 7 hex), keep the first 9 characters;
 * tokens shorter than 8 characters stay as they are. The one implementation; others re-export it.
 */
export function shortenToken(token: string): string {
  if (token.length < 8) return token;
  const prefix = PREFIXES.find((re) => re.test(token));
  return (prefix ? token.replace(prefix, '') : token).slice(0, 9);
}
