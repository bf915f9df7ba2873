/**
 * The job log as it will exist on GitLab: every byte kept (in memory up to a cap, then in a
 * temp file; or, with `file`, in that file from the first byte so that it outlives a crash) so
 * any offset can be resent after a 416 or 412, the output limit applied the way gitlab-runner
 * does (`helpers/trace/buffer.go`), and CRC-32 and size kept over exactly the stored bytes.
 * Only masked text reaches the buffer (trace-pipeline.ts), so the file never holds a secret.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
  /**
   * Keeps the log in this file (created 0600, truncated) instead of memory; `close()` leaves it
   * in place: whoever knows that GitLab has the log removes it (the state store).
   */
  file?: string;
  /**
   * A write to `file` failed (disk full): the log goes on in memory and the file is removed, so
   * that a restart does not take a truncated copy for the log.
   */
  onFileError?: (err: unknown) => void;
}

interface BackingFile {
  fd: number;
  /** The temp dir a spilled log lives in, removed on close; undefined for a kept `file`. */
  tempDir: string | undefined;
  /** The kept `file`. */
  path?: string;
}

export class TraceBuffer {
  readonly outputLimitBytes: number;
  readonly #memoryLimit: number;
  readonly #tempDir: string;
  #mem: Buffer = Buffer.alloc(0);
  #size = 0;
  #crc = 0;
  #limitReached = false;
  #file: BackingFile | undefined;
  #closed = false;
  readonly #onFileError: ((err: unknown) => void) | undefined;

  /** Throws when `file` cannot be created. */
  constructor(options: TraceBufferOptions = {}) {
    this.outputLimitBytes = options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES;
    this.#memoryLimit = options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES;
    this.#tempDir = options.tempDir ?? tmpdir();
    this.#onFileError = options.onFileError;
    if (options.file !== undefined) {
      mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
      const fd = openSync(options.file, 'w+', 0o600);
      this.#file = { fd, tempDir: undefined, path: options.file };
    }
  }

  /**
   * A log an earlier run kept in `file` (recovery after a crash), for reading and appending
   * without limit; size and CRC-32 are those of the whole file. Undefined when there is none.
   */
  static reopen(file: string): TraceBuffer | undefined {
    let fd: number;
    try {
      fd = openSync(file, 'r+');
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const buffer = new TraceBuffer({ outputLimitBytes: Number.MAX_SAFE_INTEGER });
    buffer.#file = { fd, tempDir: undefined };
    const chunk = Buffer.alloc(1024 * 1024);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, buffer.#size);
      if (n === 0) break;
      buffer.#crc = crc32Update(buffer.#crc, chunk.subarray(0, n));
      buffer.#size += n;
    }
    return buffer;
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
  /** Whether the log lives in a file (a temp file past the memory cap, or the kept `file`). */
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

  /** Makes what is stored durable (fsync) when it lives in a kept file. */
  sync(): void {
    if (this.#file && this.#file.tempDir === undefined && !this.#closed) fsyncSync(this.#file.fd);
  }

  /** Releases memory and removes a temp file (a kept `file` stays). Reads return nothing then. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#mem = Buffer.alloc(0);
    if (this.#file) {
      closeSync(this.#file.fd);
      if (this.#file.tempDir !== undefined) {
        rmSync(this.#file.tempDir, { recursive: true, force: true });
      }
      this.#file = undefined;
    }
  }

  #store(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#crc = crc32Update(this.#crc, bytes);
    const at = this.#size;
    this.#size += bytes.length;
    if (this.#file?.path !== undefined) {
      try {
        this.#writeFile(bytes, at);
        return;
      } catch (err: unknown) {
        this.#dropKeptFile(at, err);
      }
    }
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

  /** Takes the first `stored` bytes of the kept file into memory and removes the file. */
  #dropKeptFile(stored: number, err: unknown): void {
    const { fd, path } = this.#file!;
    this.#file = undefined;
    const head = Buffer.alloc(stored);
    let got = 0;
    try {
      while (got < stored) {
        const r = readSync(fd, head, got, stored - got, got);
        if (r === 0) break;
        got += r;
      }
    } finally {
      closeSync(fd);
      rmSync(path!, { force: true });
    }
    this.#mem = head;
    this.#onFileError?.(err);
  }

  /** Moves the first `stored` bytes to a temp file; later bytes go there directly. */
  #spill(stored: number): void {
    const dir = mkdtempSync(join(this.#tempDir, 'spotrunner-trace-'));
    const fd = openSync(join(dir, 'trace.log'), 'w+', 0o600);
    this.#file = { fd, tempDir: dir };
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
