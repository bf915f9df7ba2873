/** A text filter fed in pieces: `write` returns what is final so far, `end` releases the rest. */
export interface StreamFilter {
  write(text: string): string;
  end(): string;
}

export const MASK = '[MASKED]';

export const passThrough: StreamFilter = { write: (text) => text, end: () => '' };

/** Chains filters: each one's output feeds the next. */
export function chainFilters(filters: readonly StreamFilter[]): StreamFilter {
  return {
    write(text: string): string {
      let out = text;
      for (const f of filters) out = f.write(out);
      return out;
    },
    end(): string {
      let out = '';
      for (const f of filters) out = f.write(out) + f.end();
      return out;
    },
  };
}
