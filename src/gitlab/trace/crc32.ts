/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table driven and incremental.
 * `zlib.crc32` exists only from Node 22.2; spotrunner supports Node 20.
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** Continues a CRC-32 over `bytes`; start with 0. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 of a whole buffer or string (UTF-8). */
export function crc32(data: Uint8Array | string): number {
  return crc32Update(0, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
}

/** `crc32:%08x`, as GitLab expects in `output.checksum`. */
export function formatChecksum(crc: number): string {
  return `crc32:${(crc >>> 0).toString(16).padStart(8, '0')}`;
}
