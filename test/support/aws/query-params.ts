/**
 * Request parameters of the AWS query protocols (`Action=…&Version=…&A.member.1=…`) and the
 * error type every handler of the double throws.
 */

/** An AWS error response: code, message, HTTP status. */
export class AwsFault extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'AwsFault';
    this.code = code;
    this.status = status;
  }
}

export class QueryParams {
  readonly #values: Map<string, string>;

  constructor(values: Iterable<[string, string]>) {
    this.#values = new Map(values);
  }

  static fromForm(body: string): QueryParams {
    return new QueryParams(new URLSearchParams(body).entries());
  }

  get(name: string): string | undefined {
    return this.#values.get(name);
  }

  required(name: string): string {
    const value = this.#values.get(name);
    if (value === undefined || value === '') {
      throw new AwsFault('MissingParameter', `The request must contain the parameter ${name}`);
    }
    return value;
  }

  int(name: string): number | undefined {
    const value = this.#values.get(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n)) throw new AwsFault('ValidationError', `${name} must be an integer`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const value = this.#values.get(name);
    return value === undefined ? undefined : value === 'true';
  }

  /** Values of `prefix.1`, `prefix.2`, … in order. */
  list(prefix: string): string[] {
    const out: string[] = [];
    for (let i = 1; this.#values.has(`${prefix}.${i}`); i++)
      out.push(this.#values.get(`${prefix}.${i}`)!);
    return out;
  }

  /** Structures `prefix.N.Field` as records, N = 1, 2, … */
  structs(prefix: string): Record<string, string>[] {
    const out: Record<string, string>[] = [];
    for (let i = 1; ; i++) {
      const head = `${prefix}.${i}.`;
      const entry: Record<string, string> = {};
      for (const [k, v] of this.#values) if (k.startsWith(head)) entry[k.slice(head.length)] = v;
      if (Object.keys(entry).length === 0) return out;
      out.push(entry);
    }
  }

  /** EC2 filters: `Filter.N.Name` with `Filter.N.Value.M`. */
  filters(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (let i = 1; this.#values.has(`Filter.${i}.Name`); i++) {
      out.set(this.#values.get(`Filter.${i}.Name`)!, this.list(`Filter.${i}.Value`));
    }
    return out;
  }

  toRecord(): Record<string, string> {
    return Object.fromEntries(this.#values);
  }
}
