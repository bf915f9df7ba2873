/**
 * ConnectInfo for an EC2 instance, as fleeting-plugin-aws builds it: OS and architecture
 * detected from EC2 (unless connector_config sets them), private and public addresses, the
 * default user `ec2-user` (`Administrator` on Windows).
 */
import { SpotrunnerError } from '../../platform/errors.js';
import type { ConnectInfo } from '../provider.js';
import type { AwsConnectorOptions } from './aws-options.js';
import type { InstanceDetails } from './instance-details.js';

export type InstanceOs = ConnectInfo['os'];
export type InstanceArch = ConnectInfo['arch'];

/** `Platform=windows` → windows; `*_mac` architectures → darwin; otherwise linux. */
export function detectOs(details: Pick<InstanceDetails, 'platform' | 'architecture'>): InstanceOs {
  if (details.platform?.toLowerCase() === 'windows') return 'windows';
  if (details.architecture?.endsWith('_mac')) return 'darwin';
  return 'linux';
}

/** EC2 `Architecture` → Go-style arch: x86_64 → amd64, arm64 → arm64, i386 → 386. */
export function detectArch(details: Pick<InstanceDetails, 'architecture'>): InstanceArch {
  const arch = details.architecture ?? 'x86_64';
  if (arch.startsWith('arm64')) return 'arm64';
  if (arch === 'i386') return '386';
  return 'amd64';
}

export function defaultUsername(os: InstanceOs): string {
  return os === 'windows' ? 'Administrator' : 'ec2-user';
}

export interface ConnectCredentials {
  privateKey?: string;
  password?: string;
  expiresAtMs?: number;
}

/**
 * The connection details for one instance. With `use_external_addr` the public address is
 * dialled when there is one; an instance with only one address is dialled on that one.
 */
export function buildConnectInfo(
  details: InstanceDetails,
  connector: AwsConnectorOptions,
  credentials: ConnectCredentials,
): ConnectInfo {
  const os = connector.os ?? detectOs(details);
  const internalAddr = details.privateIp;
  const externalAddr = details.publicIp;
  if (!internalAddr && !externalAddr) {
    throw new SpotrunnerError('connect', `instance ${details.id} has no IP address yet`, {
      retryable: true,
    });
  }
  const useExternalAddr = connector.useExternalAddr ? Boolean(externalAddr) : !internalAddr;
  return {
    id: details.id,
    os,
    arch: connector.arch ?? detectArch(details),
    protocol: 'ssh',
    internalAddr,
    externalAddr,
    port: connector.port,
    username: connector.username ?? defaultUsername(os),
    password: credentials.password ?? connector.password,
    privateKey: credentials.privateKey,
    useExternalAddr,
    keepaliveMs: connector.keepaliveMs,
    timeoutMs: connector.timeoutMs,
    expiresAtMs: credentials.expiresAtMs,
  };
}
