/**
 * Replaces every occurrence of a masked value with `[MASKED]`, longest first, even when a value
 * is split across writes: text that could still be the start of a value is held back until
 * the next write (or `end`) decides (gitlab-runner-protocol.md §4.4 step 1).
 */
import { MASK, passThrough, type StreamFilter } from './stream-filter.js';

export function createPhraseMasker(phrases: readonly string[]): StreamFilter {
  const unique = [...new Set(phrases.filter((p) => p.length > 0))].sort(
    (a, b) => b.length - a.length,
  );
  if (unique.length === 0) return passThrough;
  const byFirst = new Map<string, string[]>();
  for (const p of unique) {
    const list = byFirst.get(p[0]!) ?? [];
    list.push(p);
    byFirst.set(p[0]!, list);
  }
  let held = '';

  return {
    write(text: string): string {
      const s = held + text;
      held = '';
      let out = '';
      let last = 0;
      let i = 0;
      while (i < s.length) {
        const candidates = byFirst.get(s[i]!);
        if (!candidates) {
          i++;
          continue;
        }
        let match: string | undefined;
        let partial = false;
        for (const p of candidates) {
          if (s.length - i >= p.length) {
            if (match === undefined && s.startsWith(p, i)) match = p;
          } else if (p.startsWith(s.slice(i))) {
            partial = true;
            break;
          }
        }
        if (partial) {
          held = s.slice(i);
          return out + s.slice(last, i);
        }
        if (match === undefined) {
          i++;
          continue;
        }
        out += s.slice(last, i) + MASK;
        i += match.length;
        last = i;
      }
      return out + s.slice(last);
    },
    end(): string {
      const rest = held;
      held = '';
      return rest;
    },
  };
}
