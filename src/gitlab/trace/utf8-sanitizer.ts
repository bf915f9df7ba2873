/**
 * Turns a stream of Buffers and strings into well-formed text: invalid UTF-8 and lone
 * surrogates become U+FFFD, and a multi-byte sequence (or surrogate pair) split across two
 * writes is joined again instead of being replaced.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export interface Utf8Sanitizer {
  write(chunk: string | Uint8Array): string;
  end(): string;
}

export function createUtf8Sanitizer(): Utf8Sanitizer {
  let decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  let pendingBytes = false;
  let heldHigh = '';

  const flushBytes = (): string => {
    if (!pendingBytes) return '';
    pendingBytes = false;
    const rest = decoder.decode();
    decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
    return rest;
  };

  const text = (s: string, final: boolean): string => {
    let all = heldHigh + s;
    heldHigh = '';
    const last = all.charCodeAt(all.length - 1);
    if (!final && last >= 0xd800 && last <= 0xdbff) {
      heldHigh = all.slice(-1);
      all = all.slice(0, -1);
    }
    return all.replace(LONE_SURROGATE, '\uFFFD');
  };

  return {
    write(chunk: string | Uint8Array): string {
      if (typeof chunk === 'string') {
        const before = heldHigh ? '' : flushBytes();
        return before + text(chunk, false);
      }
      if (chunk.length === 0) return '';
      const held = heldHigh ? text('', true) : '';
      pendingBytes = true;
      return held + text(decoder.decode(chunk, { stream: true }), false);
    },
    end(): string {
      return text(flushBytes(), true);
    },
  };
}
