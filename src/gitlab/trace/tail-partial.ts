/**
 * Hold-back support for streaming maskers: where, near the end of the text seen so far, a
 * pattern might be starting whose rest has not arrived yet.
 */

export interface TailPattern {
  /** Lower-cased when `caseInsensitive`. */
  text: string;
  caseInsensitive: boolean;
}

export interface TailMatcher {
  /** Longest pattern length: only the last `maxLength - 1` characters can hold a partial. */
  readonly maxLength: number;
  /**
   * The first index in [from, to) where the rest of `s` is a proper prefix of a pattern
   * (the pattern would need more text), or -1.
   */
  partialIn(s: string, from: number, to: number): number;
}

export function createTailMatcher(patterns: readonly TailPattern[]): TailMatcher {
  const sorted = [...patterns].sort((a, b) => b.text.length - a.text.length);
  const maxLength = sorted[0]?.text.length ?? 0;
  const firsts = new Set<string>();
  for (const p of sorted) {
    firsts.add(p.text[0]!);
    if (p.caseInsensitive) firsts.add(p.text[0]!.toUpperCase());
  }
  return {
    maxLength,
    partialIn(s: string, from: number, to: number): number {
      const start = Math.max(from, s.length - maxLength + 1, 0);
      for (let j = start; j < to; j++) {
        if (!firsts.has(s[j]!)) continue;
        const rest = s.slice(j);
        for (const p of sorted) {
          if (p.text.length <= rest.length) break;
          const candidate = p.caseInsensitive ? rest.toLowerCase() : rest;
          if (p.text.startsWith(candidate)) return j;
        }
      }
      return -1;
    },
  };
}

/** A regex source matching `text` literally (optionally ASCII case-insensitive). */
export function literalPattern(text: string, caseInsensitive = false): string {
  let out = '';
  for (const ch of text) {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    if (caseInsensitive && lower !== upper) out += `[${lower}${upper}]`;
    else out += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return out;
}
