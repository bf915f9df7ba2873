import { describe, expect, it } from 'vitest';
import { crc32, crc32Update, formatChecksum } from './crc32.js';

describe('crc32', () => {
  it('matches the IEEE check value', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(formatChecksum(crc32('123456789'))).toBe('crc32:cbf43926');
  });

  it('matches other known vectors', () => {
    expect(crc32('')).toBe(0);
    expect(crc32('a')).toBe(0xe8b7be43);
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
    expect(crc32(Buffer.alloc(32, 0))).toBe(0x190a55ad);
  });

  it('pads to eight hex digits', () => {
    expect(formatChecksum(0x1f)).toBe('crc32:0000001f');
  });

  it('gives the same result incrementally as in one go', () => {
    const data = Buffer.from('section_start:1:x\r\x1b[0K héllo wörld ✓\n'.repeat(50));
    let crc = 0;
    for (let i = 0; i < data.length; i += 7) crc = crc32Update(crc, data.subarray(i, i + 7));
    expect(crc).toBe(crc32(data));
  });
});
