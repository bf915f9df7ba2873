import { existsSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crc32, formatChecksum } from './crc32.js';
import { outputLimitMessage, TraceBuffer, truncateUtf8 } from './trace-buffer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('TraceBuffer output limit', () => {
  it("truncates at the limit and appends gitlab-runner's notice", () => {
    const b = new TraceBuffer({ outputLimitBytes: 10 });
    for (let i = 0; i < 100; i++) b.append(Buffer.from('This is the long message'));
    const stored = b.read(0, 1000).toString();
    expect(stored).toBe(
      "This is th\n\x1b[33;1mJob's log exceeded limit of 10 bytes.\n" +
        'Job execution will continue but no more output will be collected.\x1b[0;m\n',
    );
    expect(b.limitReached).toBe(true);
    expect(b.size).toBe(Buffer.byteLength(stored));
    expect(b.checksum).toBe(formatChecksum(crc32(stored)));
  });

  it('does not split a UTF-8 character at the limit', () => {
    const b = new TraceBuffer({ outputLimitBytes: 4 });
    b.append(Buffer.from('ab✓cd'));
    expect(b.read(0, 1000).toString()).toBe('ab' + outputLimitMessage(4));
  });

  it('writes the notice when a write exactly fills the limit', () => {
    const b = new TraceBuffer({ outputLimitBytes: 5 });
    b.append(Buffer.from('12345'));
    expect(b.read(0, 1000).toString()).toBe('12345' + outputLimitMessage(5));
    b.append(Buffer.from('more'));
    expect(b.size).toBe(5 + Buffer.byteLength(outputLimitMessage(5)));
  });
});

describe('truncateUtf8', () => {
  it('keeps complete sequences only', () => {
    const bytes = Buffer.from('a😀b');
    expect(truncateUtf8(bytes, 1).toString()).toBe('a');
    expect(truncateUtf8(bytes, 3).toString()).toBe('a');
    expect(truncateUtf8(bytes, 5).toString()).toBe('a😀');
  });
});

describe('TraceBuffer storage', () => {
  it('spills to a temp file beyond the memory cap and reads any offset back', () => {
    const tempDir = mkdtempSync(join(tmpdir(), 'trace-buffer-test-'));
    dirs.push(tempDir);
    const b = new TraceBuffer({ outputLimitBytes: 1 << 30, memoryLimitBytes: 1000, tempDir });
    const lines: string[] = [];
    for (let i = 0; i < 500; i++) {
      const line = `line ${i} ${'x'.repeat(i % 17)}\n`;
      lines.push(line);
      b.append(Buffer.from(line));
    }
    const all = lines.join('');
    expect(b.spilled).toBe(true);
    expect(b.size).toBe(all.length);
    expect(b.read(0, b.size).toString()).toBe(all);
    expect(b.read(1234, 100).toString()).toBe(all.slice(1234, 1334));
    expect(b.checksum).toBe(formatChecksum(crc32(all)));
    expect(readdirSync(tempDir)).toHaveLength(1);
    b.close();
    expect(readdirSync(tempDir)).toHaveLength(0);
    expect(b.read(0, 10)).toHaveLength(0);
  });

  it('stays in memory under the cap', () => {
    const b = new TraceBuffer({ memoryLimitBytes: 1 << 20 });
    b.append(Buffer.from('hello'));
    expect(b.spilled).toBe(false);
    expect(b.read(1, 3).toString()).toBe('ell');
    expect(existsSync(tmpdir())).toBe(true);
  });
});

describe('TraceBuffer kept in a file', () => {
  it('keeps every byte in the file, owner-only, and leaves it there on close', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spotrunner-kept-'));
    dirs.push(dir);
    const file = join(dir, 'logs', '1.log');
    const b = new TraceBuffer({ file, memoryLimitBytes: 8 });
    b.append(Buffer.from('hello, '));
    b.append(Buffer.from('kept world\n'));
    b.sync();
    expect(b.read(7, 4).toString()).toBe('kept');
    b.close();
    expect(readFileSync(file, 'utf8')).toBe('hello, kept world\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const again = TraceBuffer.reopen(file)!;
    expect(again.size).toBe(18);
    expect(again.checksum).toBe(formatChecksum(crc32('hello, kept world\n')));
    again.close();
  });

  it('goes on in memory and removes the file when the disk refuses a write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spotrunner-kept-'));
    dirs.push(dir);
    const file = join(dir, 'full.log');
    symlinkSync('/dev/full', file); // every write: ENOSPC
    const errors: unknown[] = [];
    const b = new TraceBuffer({ file, onFileError: (err) => errors.push(err) });
    b.append(Buffer.from('still '));
    b.append(Buffer.from('logged'));
    expect(b.read(0, 100).toString()).toBe('still logged');
    expect(b.checksum).toBe(formatChecksum(crc32('still logged')));
    expect(errors).toHaveLength(1);
    expect(existsSync(file)).toBe(false);
    expect(existsSync('/dev/full')).toBe(true);
    b.close();
  });
});
