import { ConfigError } from '../platform/errors.js';

const strict = new TextDecoder('utf-8', { fatal: true });

/** Byte offset of the first byte that is not valid UTF-8 (`bytes` is known to be invalid). */
function firstInvalidByte(bytes: Uint8Array): number {
  // Lenient decoding turns each bad sequence into U+FFFD; re-encoded, the text matches the
  // original byte for byte up to the first bad one (a real U+FFFD encodes the same both ways).
  const again = Buffer.from(Buffer.from(bytes).toString('utf8'), 'utf8');
  let i = 0;
  while (i < bytes.length && bytes[i] === again[i]) i++;
  return i;
}

/**
 * The text of a config file, which TOML requires to be UTF-8. Invalid bytes (a file saved as
 * Latin-1, a truncated multi-byte character) are an error naming the line and byte column,
 * instead of being turned silently into U+FFFD.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return strict.decode(bytes);
  } catch {
    const at = firstInvalidByte(bytes); // the strict decoder says only that the bytes are bad
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const byte = bytes[at] ?? 0;
    throw new ConfigError([
      {
        file,
        line,
        message:
          `not valid UTF-8 at byte ${at - lineStart + 1} of the line ` +
          `(0x${byte.toString(16).padStart(2, '0')}): TOML files must be UTF-8; ` +
          're-save the file as UTF-8',
      },
    ]);
  }
}
