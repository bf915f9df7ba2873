/**
 * Masks what follows a known prefix (gitlab-runner-protocol.md §4.4 steps 2–3):
 * - token prefixes (`glpat-…`): the run of `[0-9A-Za-z._=-]` after the prefix becomes `[MASKED]`;
 * - sensitive URL parameters (`?X-Amz-Signature=…`, case-insensitive): the value up to `?`, `&`,
 *   whitespace or a control character becomes `[MASKED]`.
 * Works across write boundaries: a possible prefix at the end of a write is held back, and a
 * value that runs past the end keeps being dropped on the next write.
 */
import { MASK, type StreamFilter } from './stream-filter.js';
import { createTailMatcher, literalPattern, type TailMatcher } from './tail-partial.js';

/** `glpat-` plus every prefix FF_MASK_ALL_DEFAULT_TOKENS adds (always on in spotrunner). */
export const DEFAULT_TOKEN_PREFIXES = [
  'glpat-',
  'gloas-',
  'gldt-',
  'glrt-',
  'glrtr-',
  'glcbt-',
  'glptt-',
  'glft-',
  'glimt-',
  'glagent-',
  'glsoat-',
  'glffct-',
  '_gitlab_session=',
  'gltok-',
] as const;

/** URL query parameters whose values gitlab-runner's URL sanitiser masks. */
export const SENSITIVE_URL_PARAMS = [
  'private_token',
  'authenticity_token',
  'rss_token',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
] as const;

const TOKEN_VALUE = /[0-9A-Za-z._=-]*/y;
// A URL parameter value ends at `?`, `&`, whitespace or a control character.
// eslint-disable-next-line no-control-regex
const URL_VALUE = /[^?&\s\x00-\x1f\x7f-\x9f]*/y;

type ValueKind = 'token' | 'url';

export function createTokenMasker(tokenPrefixes: readonly string[]): StreamFilter {
  return new TokenMasker(tokenPrefixes);
}

class TokenMasker implements StreamFilter {
  readonly #regex: RegExp;
  readonly #tail: TailMatcher;
  #held = '';
  /** The kind of value being dropped across writes. */
  #inValue: ValueKind | undefined;

  constructor(tokenPrefixes: readonly string[]) {
    const tokens = [...new Set(tokenPrefixes.filter((p) => p.length > 0))];
    const urls = SENSITIVE_URL_PARAMS.flatMap((p) => [`?${p}=`, `&${p}=`]);
    const all = [
      ...tokens.map((text) => ({ text, caseInsensitive: false })),
      ...urls.map((text) => ({ text, caseInsensitive: true })),
    ].sort((a, b) => b.text.length - a.text.length);
    this.#regex = new RegExp(
      all.map((p) => literalPattern(p.text, p.caseInsensitive)).join('|'),
      'g',
    );
    this.#tail = createTailMatcher(all);
  }

  write(text: string): string {
    const s = this.#held + text;
    this.#held = '';
    return this.#scan(s, false);
  }

  /** No more text will come: held text is scanned once more without holding anything back. */
  end(): string {
    const rest = this.#held;
    this.#held = '';
    const out = this.#scan(rest, true);
    this.#inValue = undefined;
    return out;
  }

  #scan(s: string, final: boolean): string {
    let pos = 0;
    if (this.#inValue) {
      pos = valueEnd(s, 0, this.#inValue);
      if (pos === s.length) return '';
      this.#inValue = undefined;
    }
    let out = '';
    let last = pos;
    this.#regex.lastIndex = pos;
    for (;;) {
      const m = this.#regex.exec(s);
      const valueStart = m ? m.index + m[0].length : 0;
      if (!final) {
        // Not decidable yet: a prefix (or a prefix's first value character) may come next.
        const hold = this.#tail.partialIn(s, pos, m ? m.index + 1 : s.length);
        const holdAt = hold >= 0 ? hold : m && valueStart === s.length ? m.index : -1;
        if (holdAt >= 0) {
          this.#held = s.slice(holdAt);
          return out + s.slice(last, holdAt);
        }
      }
      if (!m) return out + s.slice(last);
      const kind: ValueKind = m[0][0] === '?' || m[0][0] === '&' ? 'url' : 'token';
      const end = valueEnd(s, valueStart, kind);
      pos = end === valueStart ? valueStart : end;
      this.#regex.lastIndex = pos;
      if (end === valueStart) continue; // a bare prefix stays as it is
      out += s.slice(last, valueStart) + MASK;
      if (end === s.length) {
        if (!final) this.#inValue = kind;
        return out;
      }
      last = end;
    }
  }
}

function valueEnd(s: string, from: number, kind: ValueKind): number {
  const re = kind === 'url' ? URL_VALUE : TOKEN_VALUE;
  re.lastIndex = from;
  re.exec(s);
  return re.lastIndex;
}
