import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../platform/random.js';
import { createPhraseMasker } from './phrase-masker.js';
import { createTokenMasker, DEFAULT_TOKEN_PREFIXES } from './token-masker.js';
import { TraceBuffer } from './trace-buffer.js';
import { createTracePipeline } from './trace-pipeline.js';
import { createUtf8Sanitizer } from './utf8-sanitizer.js';
import type { StreamFilter } from './stream-filter.js';

const run = (filter: StreamFilter, parts: string[]): string =>
  parts.map((p) => filter.write(p)).join('') + filter.end();

describe('phrase masker', () => {
  it('masks every occurrence', () => {
    expect(run(createPhraseMasker(['hunter2']), ['pw=hunter2 and hunter2!'])).toBe(
      'pw=[MASKED] and [MASKED]!',
    );
  });

  it('prefers the longest phrase at a position', () => {
    expect(run(createPhraseMasker(['abc', 'abcdef']), ['xabcdefx abcx'])).toBe(
      'x[MASKED]x [MASKED]x',
    );
  });

  it('masks a value split across writes, one character at a time', () => {
    expect(run(createPhraseMasker(['s3cr3t-value']), [...'before s3cr3t-value after'])).toBe(
      'before [MASKED] after',
    );
  });

  it('holds back a possible start of a secret, and releases it when it is not one', () => {
    const m = createPhraseMasker(['s3cr3t-value']);
    expect(m.write('see s3cr')).toBe('see ');
    expect(m.write('ets ')).toBe('s3crets ');
    expect(m.write('end s3')).toBe('end ');
    expect(m.end()).toBe('s3');
  });

  it('ignores empty phrases', () => {
    expect(run(createPhraseMasker(['', 'x']), ['axb'])).toBe('a[MASKED]b');
  });
});

/** Leftmost-longest masking of a whole text, written independently of the streaming code. */
function referenceMask(text: string, phrases: string[]): string {
  const sorted = [...phrases].sort((a, b) => b.length - a.length);
  let out = '';
  for (let i = 0; i < text.length;) {
    const p = sorted.find((q) => text.startsWith(q, i));
    if (p) {
      out += '[MASKED]';
      i += p.length;
    } else {
      out += text[i++];
    }
  }
  return out;
}

describe('phrase masker against a reference (property)', () => {
  it('masks overlapping values over a tiny alphabet exactly like a whole-text scan', () => {
    const rnd = new SeededRandom(99);
    const word = (n: number): string =>
      Array.from({ length: n }, () => 'ab'[rnd.int(0, 1)]).join('');
    for (let round = 0; round < 400; round++) {
      const phrases = Array.from({ length: rnd.int(1, 4) }, () => word(rnd.int(2, 5)));
      const text = word(rnd.int(0, 40));
      const parts: string[] = [];
      for (let i = 0; i < text.length;) {
        const n = rnd.int(1, 6);
        parts.push(text.slice(i, i + n));
        i += n;
      }
      expect(run(createPhraseMasker(phrases), parts), JSON.stringify({ phrases, parts })).toBe(
        referenceMask(text, phrases),
      );
    }
  });
});

describe('token masker', () => {
  const masker = (): StreamFilter => createTokenMasker([...DEFAULT_TOKEN_PREFIXES, 'acme_']);

  it('masks what follows each default prefix', () => {
    const out = run(masker(), ['a glpat-AbC_123.x=y-z b glrt-t1_xyz c _gitlab_session=abc123 d']);
    expect(out).toBe('a glpat-[MASKED] b glrt-[MASKED] c _gitlab_session=[MASKED] d');
  });

  it('masks job-provided prefixes', () => {
    expect(run(masker(), ['key acme_SECRET99;'])).toBe('key acme_[MASKED];');
  });

  it('leaves a bare prefix alone', () => {
    expect(run(masker(), ['glpat- alone and glpat-'])).toBe('glpat- alone and glpat-');
  });

  it('masks a token split across writes, including inside the prefix', () => {
    expect(run(masker(), ['x gl', 'pa', 't-ABC', 'DEF', 'GHI y'])).toBe('x glpat-[MASKED] y');
  });

  it('masks a shorter prefix inside an unfinished longer one at the end', () => {
    const m = createTokenMasker(['myglpat-abc_', 'glpat-']);
    expect(m.write('x myglpat-ab')).toBe('x ');
    expect(m.end()).toBe('myglpat-[MASKED]');
  });

  it('masks sensitive URL parameters case-insensitively', () => {
    const url =
      'https://s3/b/k?X-Amz-Credential=AKIA%2F2026%2Fus&X-Amz-Signature=deadbeef&part=1 ok';
    expect(run(masker(), [url])).toBe(
      'https://s3/b/k?X-Amz-Credential=[MASKED]&X-Amz-Signature=[MASKED]&part=1 ok',
    );
    expect(run(masker(), ['/api?private_token=abc&x=1'])).toBe('/api?private_token=[MASKED]&x=1');
  });
});

describe('utf8 sanitizer', () => {
  it('joins a multi-byte character split across writes', () => {
    const s = createUtf8Sanitizer();
    const bytes = Buffer.from('é✓😀', 'utf8');
    const out = [...bytes].map((b) => s.write(Uint8Array.of(b))).join('') + s.end();
    expect(out).toBe('é✓😀');
  });

  it('replaces invalid bytes and lone surrogates with U+FFFD', () => {
    const s = createUtf8Sanitizer();
    const out = s.write(Uint8Array.of(0x61, 0xff, 0x62)) + s.write('c\uD800d') + s.end();
    expect(out).toBe('a\uFFFDbc\uFFFDd');
  });

  it('replaces a sequence cut off by a string write', () => {
    const s = createUtf8Sanitizer();
    expect(s.write(Uint8Array.of(0xe2, 0x9c)) + s.write('x') + s.end()).toBe('\uFFFDx');
  });
});

describe('trace pipeline across write boundaries (property)', () => {
  const secrets = ['s3cr3t-Pa55word!', 'glcbt-64_Zx9yW3vQ8rTgS2n1aBcD', 'ünïcødé-sécret'];
  const tokens = ['glpat-AAAABBBBCCCC1234', 'glrt-t2_zzzYYYxxx987'];
  const text =
    `start ${secrets[0]} mid ${secrets[1]}${secrets[1]} url?X-Amz-Signature=feedface&a=1 ` +
    `${tokens[0]} ok ${secrets[2]} ${tokens[1]}\n`.repeat(3) +
    `partial s3cr3t-Pa55 and glpat- end ${secrets[0]}`;

  const write = (parts: Buffer[], check: (stored: string) => void): string => {
    const buffer = new TraceBuffer({ outputLimitBytes: 1 << 20 });
    const pipeline = createTracePipeline(buffer, { maskedValues: secrets, tokenPrefixes: [] });
    for (const part of parts) {
      pipeline.write(part);
      check(buffer.read(0, buffer.size).toString('utf8'));
    }
    pipeline.flush();
    return buffer.read(0, buffer.size).toString('utf8');
  };

  const leaks = (stored: string): string[] =>
    [...secrets, ...tokens.map((t) => t.slice(t.indexOf('-') + 1)), 'feedface'].filter((s) =>
      stored.includes(s),
    );

  it('never stores a secret, whatever the split points', () => {
    const bytes = Buffer.from(text, 'utf8');
    const reference = write([bytes], () => undefined);
    expect(leaks(reference)).toEqual([]);
    expect(reference).toContain('partial s3cr3t-Pa55 and glpat- end [MASKED]');
    const rnd = new SeededRandom(20260105);
    for (let round = 0; round < 300; round++) {
      const cuts = new Set<number>();
      const n = rnd.int(1, 40);
      for (let i = 0; i < n; i++) cuts.add(rnd.int(1, bytes.length - 1));
      const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.length];
      const parts = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
      const stored = write(parts, (sofar) => expect(leaks(sofar)).toEqual([]));
      expect(stored).toBe(reference);
    }
  });
});
