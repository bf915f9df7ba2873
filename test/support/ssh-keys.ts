/**
 * Key helpers for tests that talk SSH: generated OpenSSH key pairs via ssh2's utils, so no
 * `ssh-keygen` is needed.
 */
import ssh2 from 'ssh2';

export interface TestKeyPair {
  /** OpenSSH-format private key (PEM-like text). */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` line. */
  publicKey: string;
}

export function generateTestKeyPair(comment = 'spotrunner-test'): TestKeyPair {
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
  return { privateKey: pair.private, publicKey: pair.public };
}
