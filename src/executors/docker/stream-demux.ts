/**
 * Docker's multiplexed attach/exec/logs stream (no TTY): frames of an 8-byte header — stream
 * type (1 stdout, 2 stderr), 3 zero bytes, big-endian payload length — and the payload. The
 * job log interleaves stdout and stderr as they arrive, so both go to one callback.
 */
import type { Readable } from 'node:stream';

/** A push parser: feed it raw bytes, it calls `onOutput` with each frame's payload. */
export function createDemuxer(onOutput: (chunk: Buffer) => void): (data: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let raw = false;
  return (data: Buffer): void => {
    if (raw) {
      onOutput(data);
      return;
    }
    pending = pending.length === 0 ? data : Buffer.concat([pending, data]);
    while (pending.length >= 8) {
      const type = pending[0];
      if (type !== 0 && type !== 1 && type !== 2) {
        // Not multiplexed after all (a TTY stream): pass everything through unchanged.
        raw = true;
        onOutput(pending);
        pending = Buffer.alloc(0);
        return;
      }
      const length = pending.readUInt32BE(4);
      if (pending.length < 8 + length) return;
      const payload = pending.subarray(8, 8 + length);
      pending = pending.subarray(8 + length);
      if (type !== 0 && payload.length > 0) onOutput(Buffer.from(payload));
    }
  };
}

export function demuxDockerStream(stream: Readable, onOutput: (chunk: Buffer) => void): void {
  stream.on('data', createDemuxer(onOutput));
}

/** The payloads of a complete multiplexed buffer (e.g. container logs), concatenated. */
export function demuxBuffer(data: Buffer): Buffer {
  const chunks: Buffer[] = [];
  createDemuxer((c) => chunks.push(c))(data);
  return Buffer.concat(chunks);
}
