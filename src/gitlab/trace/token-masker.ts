/**
 * Masks what follows a known prefix (gitlab-runner-protocol.md §4.4 steps 2–3):
 * - token prefixes (`glpat-…`): the run of `[0-9A-Za-z._=-]` after the prefix becomes `[MASKED]`;
 * - sensitive URL parameters (`?X-Amz-Signature=…`, case-insensitive): the value up to `?`, `&`,
 *   whitespace or a control character becomes `[MASKED]`.
 * Works across write boundaries: a possible prefix at the end of a write is held back, and a
 * value that runs past the end keeps being dropped on the next write.
 */
import { MASK, type StreamFilter } from './stream-filter.js';

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

interface PrefixRule {
  /** Lower-cased when `caseInsensitive`. */
  prefix: string;
  caseInsensitive: boolean;
  isValue: (code: number) => boolean;
}

function isTokenChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || // 0-9
    (c >= 65 && c <= 90) || // A-Z
    (c >= 97 && c <= 122) || // a-z
    c === 45 || // -
    c === 46 || // .
    c === 95 || // _
    c === 61 // =
  );
}

function isUrlParamChar(c: number): boolean {
  if (c === 63 || c === 38) return false; // ? &
  if (c <= 32 || (c >= 127 && c <= 160)) return false; // controls, space, NBSP
  return !(
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

function buildRules(tokenPrefixes: readonly string[]): Map<string, PrefixRule[]> {
  const rules: PrefixRule[] = [];
  for (const prefix of new Set(tokenPrefixes.filter((p) => p.length > 0))) {
    rules.push({ prefix, caseInsensitive: false, isValue: isTokenChar });
  }
  for (const param of SENSITIVE_URL_PARAMS) {
    for (const sep of ['?', '&']) {
      rules.push({ prefix: `${sep}${param}=`, caseInsensitive: true, isValue: isUrlParamChar });
    }
  }
  rules.sort((a, b) => b.prefix.length - a.prefix.length);
  const byFirst = new Map<string, PrefixRule[]>();
  for (const r of rules) {
    const keys = r.caseInsensitive ? [r.prefix[0]!, r.prefix[0]!.toUpperCase()] : [r.prefix[0]!];
    for (const k of new Set(keys)) byFirst.set(k, [...(byFirst.get(k) ?? []), r]);
  }
  return byFirst;
}

function matchesAt(s: string, i: number, r: PrefixRule, length: number): boolean {
  const part = s.slice(i, i + length);
  const want = r.prefix.slice(0, length);
  return r.caseInsensitive ? part.toLowerCase() === want : part === want;
}

export function createTokenMasker(tokenPrefixes: readonly string[]): StreamFilter {
  return new TokenMasker(buildRules(tokenPrefixes));
}

class TokenMasker implements StreamFilter {
  readonly #byFirst: Map<string, PrefixRule[]>;
  #held = '';
  /** The rule whose value is being dropped across writes. */
  #inValue: PrefixRule | undefined;

  constructor(byFirst: Map<string, PrefixRule[]>) {
    this.#byFirst = byFirst;
  }

  write(text: string): string {
    const s = this.#held + text;
    this.#held = '';
    let i = 0;
    if (this.#inValue) {
      while (i < s.length && this.#inValue.isValue(s.charCodeAt(i))) i++;
      if (i === s.length) return '';
      this.#inValue = undefined;
    }
    let out = '';
    let last = i;
    while (i < s.length) {
      const { rule, partial } = this.#prefixAt(s, i);
      const valueStart = i + (rule?.prefix.length ?? 0);
      if (partial || (rule && valueStart === s.length)) {
        // Not decidable yet: the prefix (or its first value character) may come next.
        this.#held = s.slice(i);
        return out + s.slice(last, i);
      }
      if (!rule) {
        i++;
        continue;
      }
      let end = valueStart;
      while (end < s.length && rule.isValue(s.charCodeAt(end))) end++;
      if (end === valueStart) {
        i = valueStart;
        continue;
      }
      out += s.slice(last, valueStart) + MASK;
      if (end === s.length) {
        this.#inValue = rule;
        return out;
      }
      i = last = end;
    }
    return out + s.slice(last);
  }

  end(): string {
    const rest = this.#held;
    this.#held = '';
    this.#inValue = undefined;
    return rest;
  }

  /** The longest rule whose prefix starts at `i`, or whether one might once more text arrives. */
  #prefixAt(s: string, i: number): { rule?: PrefixRule; partial: boolean } {
    const candidates = this.#byFirst.get(s[i]!);
    if (!candidates) return { partial: false };
    let rule: PrefixRule | undefined;
    for (const r of candidates) {
      const rest = s.length - i;
      if (rest >= r.prefix.length) {
        if (!rule && matchesAt(s, i, r, r.prefix.length)) rule = r;
      } else if (matchesAt(s, i, r, rest)) {
        return { partial: true };
      }
    }
    return rule ? { rule, partial: false } : { partial: false };
  }
}
