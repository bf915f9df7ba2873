import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { generateEd25519KeyPair } from './ssh-key-pair.js';

describe('generateEd25519KeyPair', () => {
  it('only returns pairs ssh2 can parse (ssh2 itself breaks about 1 in 256)', () => {
    for (let i = 0; i < 3000; i++) {
      const pair = generateEd25519KeyPair(`local-test-${i}`);
      const parsed = ssh2.utils.parseKey(pair.private);
      expect(parsed).not.toBeInstanceOf(Error);
      expect(ssh2.utils.parseKey(pair.public)).not.toBeInstanceOf(Error);
      expect(pair.public).toMatch(/^ssh-ed25519 \S+ local-test-\d+$/);
    }
  });
});
