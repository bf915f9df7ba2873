/** Runs at most `concurrency` tasks at once; the rest wait in FIFO order. */
export class Limiter {
  readonly #concurrency: number;
  #active = 0;
  readonly #queue: (() => void)[] = [];

  constructor(concurrency: number) {
    if (!(concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    this.#concurrency = concurrency;
  }

  get active(): number {
    return this.#active;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#concurrency) {
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    }
    this.#active++;
    try {
      return await task();
    } finally {
      this.#active--;
      this.#queue.shift()?.();
    }
  }
}

/** Maps over items with bounded concurrency, keeping result order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const limiter = new Limiter(concurrency);
  return Promise.all(items.map((item, i) => limiter.run(() => fn(item, i))));
}
