/**
 * EC2 Instance Connect: a fresh key pair per connection (or the configured key), pushed with
 * SendSSHPublicKey for the instance's OS user. AWS keeps a pushed key for 60 seconds.
 */
import { readFile } from 'node:fs/promises';
import {
  SendSSHPublicKeyCommand,
  type EC2InstanceConnectClient,
} from '@aws-sdk/client-ec2-instance-connect';
import ssh2 from 'ssh2';
import { generateEd25519KeyPair } from '../../connect/ssh-key-pair.js';
import { SpotrunnerError, UserError } from '../../platform/errors.js';
import { callAws } from './aws-errors.js';
import type { AwsKeyType } from './aws-options.js';

export interface SshKeyPair {
  /** OpenSSH-format private key. */
  privateKey: string;
  /** `ssh-ed25519 AAAA…` / `ssh-rsa AAAA…` line, no comment. */
  publicKey: string;
}

/** RSA size for generated keys: EC2 Instance Connect takes 2048 or 4096 bits. */
export const RSA_KEY_BITS = 2048;

/**
 * A new key pair. ed25519 unless RSA is asked for (or `auto` on Windows, whose OpenSSH builds
 * and EC2 Instance Connect paths have historically expected RSA). fleeting uses RSA-4096, which
 * takes ~5 s of CPU per key here (2048 bits: ~0.35 s, ed25519: ~30 ms); a key lives 60 s, so
 * 2048 bits is ample.
 */
export async function generateSshKeyPair(
  keyType: AwsKeyType,
  os: 'linux' | 'windows' | 'darwin',
): Promise<SshKeyPair> {
  const useRsa = keyType === 'rsa' || (keyType === 'auto' && os === 'windows');
  if (!useRsa) {
    // ssh2's ed25519 generator yields an unparsable key about 1 time in 256; this one retries.
    const pair = generateEd25519KeyPair('spotrunner-instance-connect');
    return { privateKey: pair.private, publicKey: stripComment(pair.public) };
  }
  const pair = await new Promise<ssh2.utils.KeyPairReturn>((resolve, reject) => {
    ssh2.utils.generateKeyPair('rsa', { bits: RSA_KEY_BITS }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
  });
  return { privateKey: pair.private, publicKey: stripComment(pair.public) };
}

function stripComment(line: string): string {
  return line.trim().split(/\s+/).slice(0, 2).join(' ');
}

/** The public half of an OpenSSH/PEM private key, as an authorized_keys line. */
export function publicKeyOf(privateKey: string, source = 'key'): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? (parsed[0] as ssh2.ParsedKey | undefined) : parsed;
  if (!key || key instanceof Error) {
    throw new UserError(
      `${source}: not a usable SSH private key${key instanceof Error ? ` (${key.message})` : ''}`,
      'config_invalid',
    );
  }
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}

/** Reads the private key at `keyPath` (connector_config.key_path) and derives its public key. */
export async function loadKeyPair(keyPath: string): Promise<SshKeyPair> {
  let privateKey: string;
  try {
    privateKey = await readFile(keyPath, 'utf8');
  } catch (err: unknown) {
    throw new UserError(`connector_config.key_path: cannot read ${keyPath}`, 'config_invalid', {
      cause: err,
    });
  }
  return { privateKey, publicKey: publicKeyOf(privateKey, `connector_config.key_path ${keyPath}`) };
}

export interface PushKeyRequest {
  instanceId: string;
  osUser: string;
  publicKey: string;
  zone?: string;
  signal?: AbortSignal;
}

/** Pushes a public key with SendSSHPublicKey; throws unless AWS reports success. */
export async function pushInstanceConnectKey(
  client: EC2InstanceConnectClient,
  request: PushKeyRequest,
): Promise<void> {
  const result = await callAws('ec2-instance-connect:SendSSHPublicKey', () =>
    client.send(
      new SendSSHPublicKeyCommand({
        InstanceId: request.instanceId,
        InstanceOSUser: request.osUser,
        SSHPublicKey: request.publicKey,
        AvailabilityZone: request.zone,
      }),
      { abortSignal: request.signal },
    ),
  );
  if (result.Success !== true) {
    throw new SpotrunnerError(
      'provider',
      `ec2-instance-connect:SendSSHPublicKey: not accepted for ${request.instanceId}`,
      { retryable: true },
    );
  }
}
