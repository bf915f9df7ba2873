/** What every benchmark returns; `npm run bench` prints these, nothing asserts on them. */
export interface BenchResult {
  name: string;
  figures: Record<string, number | string>;
  /** The target in words, e.g. "≤10 ms per tick". */
  target?: string;
  /** Whether the measured figure met the target. */
  ok?: boolean;
}

export type Bench = () => Promise<BenchResult | BenchResult[]>;
