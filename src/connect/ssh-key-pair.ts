/**
 * Ed25519 key pairs for SSH (local instances, pushed keys). ssh2's `generateKeyPairSync('ed25519')`
 * strips leading zero bytes from the public key, so about 1 key in 256 is 31 bytes long and
 * `parseKey` (and the ssh2 server or client using it) rejects it as malformed (mscdex/ssh2#1390,
 * #1513). Generate again until both halves parse.
 */
import ssh2 from 'ssh2';
import { SpotrunnerError } from '../platform/errors.js';

export interface SshKeyPair {
  /** OpenSSH private key (PEM-armoured). */
  private: string;
  /** `ssh-ed25519 <base64> <comment>`. */
  public: string;
}

const ATTEMPTS = 8;

export function generateEd25519KeyPair(comment: string): SshKeyPair {
  for (let i = 0; i < ATTEMPTS; i++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    const usable =
      !(ssh2.utils.parseKey(pair.private) instanceof Error) &&
      !(ssh2.utils.parseKey(pair.public) instanceof Error);
    if (usable) return { private: pair.private, public: pair.public };
  }
  throw new SpotrunnerError('internal', `could not generate a usable ed25519 key for ${comment}`);
}
