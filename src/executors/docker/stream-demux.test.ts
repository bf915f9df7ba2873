import { describe, expect, it } from 'vitest';
import { createDemuxer, demuxBuffer } from './stream-demux.js';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('docker stream demultiplexing', () => {
  it('joins stdout and stderr payloads in arrival order across split chunks', () => {
    const out: string[] = [];
    const feed = createDemuxer((c) => out.push(c.toString()));
    const bytes = Buffer.concat([frame(1, 'hello '), frame(2, 'error '), frame(1, 'world')]);
    for (let i = 0; i < bytes.length; i += 5) feed(bytes.subarray(i, i + 5));
    expect(out.join('')).toBe('hello error world');
  });

  it('passes a stream that is not multiplexed (TTY) through unchanged', () => {
    expect(demuxBuffer(Buffer.from('plain terminal output\n')).toString()).toBe(
      'plain terminal output\n',
    );
  });

  it('decodes a whole logs buffer', () => {
    expect(demuxBuffer(Buffer.concat([frame(1, 'a\n'), frame(2, 'b\n')])).toString()).toBe(
      'a\nb\n',
    );
  });
});
