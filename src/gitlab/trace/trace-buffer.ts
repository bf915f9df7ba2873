/**
 * The job log as it will exist on GitLab: every byte kept (in memory up to a cap, then in a
 * temp file) so any offset can be resent after a 416 or 412, the output limit applied the way
 * gitlab-runner does (`helpers/trace/buffer.go`), and CRC-32 and size kept over exactly the
 * stored bytes.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32Update, formatChecksum } from './crc32.js';

export const DEFAULT_OUTPUT_LIMIT_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MEMORY_LIMIT_BYTES = 8 * 1024 * 1024;

/** The notice gitlab-runner appends when the log reaches `output_limit` (bold yellow). */
export function outputLimitMessage(limitBytes: number): string {
  return (
    `\n\x1b[33;1mJob's log exceeded limit of ${limitBytes} bytes.\n` +
    'Job execution will continue but no more output will be collected.\x1b[0;m\n'
  );
}

/** Cuts `bytes` to at most `max` without splitting a UTF-8 sequence. */
export function truncateUtf8(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  let end = max;
  let i = end - 1;
  while (i >= 0 && end - i <= 3 && (bytes[i]! & 0xc0) === 0x80) i--;
  if (i >= 0) {
    const lead = bytes[i]!;
    const need = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - i < need) end = i;
  }
  return bytes.subarray(0, end);
}

export interface TraceBufferOptions {
  outputLimitBytes?: number;
  /** Beyond this many bytes the log moves to a temp file. */
  memoryLimitBytes?: number;
  tempDir?: string;
}

export class TraceBuffer {
  readonly outputLimitBytes: number;
  readonly #memoryLimit: number;
  readonly #tempDir: string;
  #mem: Buffer = Buffer.alloc(0);
  #size = 0;
  #crc = 0;
  #limitReached = false;
  #file: { dir: string; fd: number } | undefined;
  #closed = false;

  constructor(options: TraceBufferOptions = {}) {
    this.outputLimitBytes = options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES;
    this.#memoryLimit = options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES;
    this.#tempDir = options.tempDir ?? tmpdir();
  }

  get size(): number {
    return this.#size;
  }
  get crc(): number {
    return this.#crc;
  }
  get checksum(): string {
    return formatChecksum(this.#crc);
  }
  get limitReached(): boolean {
    return this.#limitReached;
  }
  /** Whether the log lives in a temp file. */
  get spilled(): boolean {
    return this.#file !== undefined;
  }

  /** Appends log bytes, applying the output limit; returns how many were kept. */
  append(bytes: Buffer): number {
    if (this.#closed || this.#limitReached || bytes.length === 0) return 0;
    const capacity = this.outputLimitBytes - this.#size;
    if (bytes.length < capacity) {
      this.#store(bytes);
      return bytes.length;
    }
    const kept = truncateUtf8(bytes, Math.max(0, capacity));
    this.#store(kept);
    this.#store(Buffer.from(outputLimitMessage(this.outputLimitBytes), 'utf8'));
    this.#limitReached = true;
    return kept.length;
  }

  /** Up to `maxBytes` stored bytes from `offset` (a copy). */
  read(offset: number, maxBytes: number): Buffer {
    const n = Math.max(0, Math.min(maxBytes, this.#size - offset));
    if (n === 0 || this.#closed) return Buffer.alloc(0);
    if (!this.#file) return Buffer.from(this.#mem.subarray(offset, offset + n));
    const out = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const r = readSync(this.#file.fd, out, got, n - got, offset + got);
      if (r === 0) break;
      got += r;
    }
    return out.subarray(0, got);
  }

  /** Releases memory and removes the temp file. Reads return nothing afterwards. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#mem = Buffer.alloc(0);
    if (this.#file) {
      closeSync(this.#file.fd);
      rmSync(this.#file.dir, { recursive: true, force: true });
      this.#file = undefined;
    }
  }

  #store(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#crc = crc32Update(this.#crc, bytes);
    const at = this.#size;
    this.#size += bytes.length;
    if (!this.#file && this.#size > this.#memoryLimit) this.#spill(at);
    if (this.#file) {
      this.#writeFile(bytes, at);
      return;
    }
    if (this.#size > this.#mem.length) {
      const grown = Buffer.alloc(
        Math.min(Math.max(this.#size, this.#mem.length * 2, 64 * 1024), this.#memoryLimit),
      );
      this.#mem.copy(grown, 0, 0, at);
      this.#mem = grown;
    }
    bytes.copy(this.#mem, at);
  }

  /** Moves the first `stored` bytes to a temp file; later bytes go there directly. */
  #spill(stored: number): void {
    const dir = mkdtempSync(join(this.#tempDir, 'spotrunner-trace-'));
    const fd = openSync(join(dir, 'trace.log'), 'w+', 0o600);
    this.#file = { dir, fd };
    this.#writeFile(this.#mem.subarray(0, stored), 0);
    this.#mem = Buffer.alloc(0);
  }

  #writeFile(bytes: Buffer, position: number): void {
    let done = 0;
    while (done < bytes.length) {
      done += writeSync(this.#file!.fd, bytes, done, bytes.length - done, position + done);
    }
  }
}
