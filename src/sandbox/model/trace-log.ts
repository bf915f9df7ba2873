/**
 * One job's stored trace: append-only bytes with GitLab's server-side secret hiding
 * (`Ci::Build#hide_secrets`: the job token and the registration token become `x` of the same
 * length, so offsets stay valid) and the CRC-32 the runner's final checksum is compared with.
 */
import { crc32 } from 'node:zlib';

export class TraceLog {
  #chunks: Buffer[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #dirty = false;
  readonly #secrets: Buffer[];
  readonly #maxSecret: number;

  constructor(secrets: readonly string[]) {
    this.#secrets = secrets.filter((s) => s.length > 0).map((s) => Buffer.from(s));
    this.#maxSecret = Math.max(0, ...this.#secrets.map((s) => s.length));
  }

  get length(): number {
    return this.#dirty ? this.#chunks.reduce((n, c) => n + c.length, 0) : this.#buffer.length;
  }

  /** Appends bytes and hides secrets, including ones split across earlier appends. */
  append(bytes: Buffer): void {
    const before = this.length;
    this.#chunks = [this.bytes(), Buffer.from(bytes)];
    this.#dirty = true;
    const all = this.bytes();
    const from = Math.max(0, before - this.#maxSecret + 1);
    for (const secret of this.#secrets) {
      let at = all.indexOf(secret, from);
      while (at >= 0) {
        all.fill('x', at, at + secret.length);
        at = all.indexOf(secret, at + secret.length);
      }
    }
  }

  bytes(): Buffer {
    if (this.#dirty) {
      this.#buffer = Buffer.concat(this.#chunks);
      this.#chunks = [];
      this.#dirty = false;
    }
    return this.#buffer;
  }

  text(): string {
    return this.bytes().toString('utf8');
  }

  /** `crc32:%08x` (IEEE), the format of the runner's `output.checksum`. */
  checksum(): string {
    return `crc32:${crc32(this.bytes()).toString(16).padStart(8, '0')}`;
  }
}
