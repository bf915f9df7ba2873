/**
 * Key helpers for tests that talk SSH: OpenSSH key pairs from the same generator the product
 * uses (which works around ssh2's 1-in-256 malformed ed25519 key), so no `ssh-keygen` is needed.
 */
import { generateEd25519KeyPair } from '../../src/connect/ssh-key-pair.js';

export interface TestKeyPair {
  /** OpenSSH-format private key (PEM-like text). */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` line. */
  publicKey: string;
}

export function generateTestKeyPair(comment = 'spotrunner-test'): TestKeyPair {
  const pair = generateEd25519KeyPair(comment);
  return { privateKey: pair.private, publicKey: pair.public };
}
