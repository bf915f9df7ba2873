/** SSH host public keys: OpenSSH `type base64` lines, wire blobs and SHA256 fingerprints. */
import { createHash } from 'node:crypto';
import type { ServerHostKeyAlgorithm } from 'ssh2';

/** `SHA256:…` (unpadded base64 of the SHA-256 of the key blob), as `ssh-keygen -l` prints it. */
export function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The key type named inside a wire blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** The OpenSSH one-line form, without comment. */
export function formatHostKey(blob: Buffer): string {
  return `${keyTypeOf(blob) ?? 'unknown'} ${blob.toString('base64')}`;
}

export type ParsedHostKey =
  | { kind: 'key'; type: string; blob: Buffer; fingerprint: string }
  | { kind: 'fingerprint'; fingerprint: string };

/**
 * Parses a pinned host key: `ssh-ed25519 AAAA… [comment]` or a `SHA256:…` fingerprint.
 * Throws with a short reason on anything else.
 */
export function parseHostKey(text: string): ParsedHostKey {
  const trimmed = text.trim();
  if (/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(trimmed)) {
    return { kind: 'fingerprint', fingerprint: trimmed.replace(/=$/, '') };
  }
  const [type, data] = trimmed.split(/\s+/);
  if (type === undefined || data === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) {
    throw new Error('expected "<type> <base64>" or "SHA256:<fingerprint>"');
  }
  const blob = Buffer.from(data, 'base64');
  if (keyTypeOf(blob) !== type) throw new Error(`key data does not hold a ${type} key`);
  return { kind: 'key', type, blob, fingerprint: fingerprintOf(blob) };
}

/** Whether a presented key blob matches a pinned key. */
export function matchesHostKey(pinned: ParsedHostKey, presented: Buffer): boolean {
  if (pinned.kind === 'fingerprint') return pinned.fingerprint === fingerprintOf(presented);
  return pinned.blob.equals(presented);
}

/**
 * ssh2 host-key algorithm names that produce a key of this type, so the server presents the key
 * we expect when it has several. Undefined when the type is not one ssh2 negotiates.
 */
export function hostKeyAlgorithmsFor(type: string): ServerHostKeyAlgorithm[] | undefined {
  switch (type) {
    case 'ssh-ed25519':
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521':
      return [type];
    case 'ssh-rsa':
      return ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
    default:
      return undefined;
  }
}
