/**
 * The Provider port: one instance group (an ASG, a list of static hosts, local sandbox
 * instances, a simulated cloud). Shaped after fleeting's InstanceGroup.
 */
export type InstanceState = 'creating' | 'running' | 'deleting' | 'deleted' | 'timeout';

export type Lifecycle = 'spot' | 'on-demand';

export interface InterruptionNotice {
  kind: 'termination' | 'rebalance';
  /** When the instance will be taken (termination), or when the notice was seen (rebalance). */
  deadlineMs: number;
}

export interface InstanceInfo {
  id: string;
  state: InstanceState;
  launchedAtMs?: number;
  instanceType?: string;
  lifecycle?: Lifecycle;
  zone?: string;
  /** Set once the cloud has announced that it will take the instance back. */
  interruption?: InterruptionNotice;
  /** Free-form provider detail, e.g. the raw cloud state, for logs and `fleet ls`. */
  detail?: string;
}

export interface ProviderInfo {
  /** Stable identity of the group, e.g. `aws/us-east-1/my-asg`. */
  id: string;
  /** Most instances the group can hold. */
  maxSize: number;
  version?: string;
  capabilities?: readonly ('interruption-notices' | 'instance-types' | 'prices')[];
}

export interface ConnectInfo {
  id: string;
  os: 'linux' | 'windows' | 'darwin';
  arch: 'amd64' | 'arm64' | '386';
  protocol: 'ssh';
  internalAddr?: string;
  externalAddr?: string;
  port: number;
  username: string;
  password?: string;
  /** PEM private key. */
  privateKey?: string;
  /** Pinned host public key (OpenSSH `type base64` form); unpinned keys are learned on first use. */
  hostKey?: string;
  /** Use the external address to dial. */
  useExternalAddr?: boolean;
  keepaliveMs?: number;
  timeoutMs?: number;
  /** When these credentials stop working (EC2 Instance Connect keys live 60 s). */
  expiresAtMs?: number;
}

export interface Provider {
  init(signal?: AbortSignal): Promise<ProviderInfo>;
  /** Every instance in the group now; a missing instance is gone. */
  update(signal?: AbortSignal): Promise<InstanceInfo[]>;
  /** Asks for `n` more instances; returns how many were really requested. */
  increase(n: number, signal?: AbortSignal): Promise<number>;
  /**
   * Optional: withdraws up to `n` instances asked for by increase() that have not appeared
   * (e.g. lowers an Auto Scaling group's desired count it cannot launch); returns how many were
   * withdrawn. Without it, the engine keeps counting such instances as coming.
   */
  cancelRequested?(n: number, signal?: AbortSignal): Promise<number>;
  /** Asks to remove these instances; returns the ids whose removal was issued. */
  decrease(ids: readonly string[], signal?: AbortSignal): Promise<string[]>;
  connectInfo(id: string, signal?: AbortSignal): Promise<ConnectInfo>;
  shutdown(): Promise<void>;
}
