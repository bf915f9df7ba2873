/**
 * Replaces every occurrence of a masked value with `[MASKED]`, longest first, even when a value
 * is split across writes: text that could still be the start of a value is held back until
 * the next write (or `end`) decides (gitlab-runner-protocol.md §4.4 step 1). Scanning is one
 * native regex over the text; only the tail is examined for partial values.
 */
import { MASK, passThrough, type StreamFilter } from './stream-filter.js';
import { createTailMatcher, literalPattern, type TailMatcher } from './tail-partial.js';

export function createPhraseMasker(phrases: readonly string[]): StreamFilter {
  const unique = [...new Set(phrases.filter((p) => p.length > 0))].sort(
    (a, b) => b.length - a.length,
  );
  if (unique.length === 0) return passThrough;
  return new PhraseMasker(unique);
}

class PhraseMasker implements StreamFilter {
  readonly #regex: RegExp;
  readonly #tail: TailMatcher;
  #held = '';

  /** `phrases` sorted longest first, so the regex prefers the longest at a position. */
  constructor(phrases: readonly string[]) {
    this.#regex = new RegExp(phrases.map((p) => literalPattern(p)).join('|'), 'g');
    this.#tail = createTailMatcher(phrases.map((text) => ({ text, caseInsensitive: false })));
  }

  write(text: string): string {
    const s = this.#held + text;
    this.#held = '';
    let out = '';
    let last = 0;
    this.#regex.lastIndex = 0;
    for (;;) {
      const m = this.#regex.exec(s);
      // A value that may still be completing, before (or at) the next full match, wins.
      const hold = this.#tail.partialIn(s, last, m ? m.index + 1 : s.length);
      if (hold >= 0) {
        this.#held = s.slice(hold);
        return out + s.slice(last, hold);
      }
      if (!m) return out + s.slice(last);
      out += s.slice(last, m.index) + MASK;
      last = m.index + m[0].length;
      this.#regex.lastIndex = last;
    }
  }

  /** No more text will come: held text cannot complete a value, but may contain shorter ones. */
  end(): string {
    const rest = this.#held;
    this.#held = '';
    this.#regex.lastIndex = 0;
    return rest.replace(this.#regex, MASK);
  }
}
