/**
 * The AWS double's data: groups as specified by a test, the instances they launched, scaling
 * activities, spot requests and launch templates. Plain records; behaviour lives in
 * `double-state.ts`.
 */
import type { InstanceState } from '../../../src/providers/provider.js';

/** Where the double's instances really run: a Provider (e.g. `local`) or a stand-in. */
export interface AwsDoubleBacking {
  increase(n: number): Promise<number>;
  decrease(ids: readonly string[]): Promise<string[]>;
  update(): Promise<readonly { id: string; state: InstanceState }[]>;
  connectInfo(id: string): Promise<{ internalAddr?: string; externalAddr?: string; port?: number }>;
  /** Accepts an SSH public key for `ttlMs` (EC2 Instance Connect), when the backing can. */
  authorizeKey?(id: string, username: string, publicKey: string, ttlMs: number): Promise<void>;
}

export interface AwsDoubleLaunchTemplate {
  id?: string;
  name?: string;
  /** What the group launches: `$Latest`, `$Default` or a number. */
  version?: string;
  /** IMDS setting of that version. */
  httpTokens?: 'required' | 'optional';
}

export interface AwsDoubleGroupSpec {
  name: string;
  min?: number;
  max: number;
  desired?: number;
  /** Types used round-robin (default `m7i.large`). */
  instanceTypes?: readonly string[];
  /** Launch spot instances (default true). */
  spot?: boolean;
  /** Describe the group with a MixedInstancesPolicy (default: more than one type). */
  mixedInstancesPolicy?: boolean;
  /** With a mixed policy: the first N instances are on-demand. */
  onDemandBaseCapacity?: number;
  protectFromScaleIn?: boolean;
  suspendedProcesses?: readonly string[];
  capacityRebalance?: boolean;
  policies?: readonly string[];
  launchTemplate?: AwsDoubleLaunchTemplate;
  /** Use a launch configuration instead of a template. */
  launchConfigurationName?: string;
  zones?: readonly string[];
  tags?: readonly { key: string; value: string; propagateAtLaunch: boolean }[];
  /** EC2 `Platform` (e.g. `windows`). */
  platform?: string;
  /** EC2 `Architecture` (default `x86_64`). */
  architecture?: string;
  /** Give instances a public address (from 198.51.100.0/24). */
  publicIps?: boolean;
}

export type GroupLifecycle = 'Pending' | 'InService' | 'Terminating';

export interface DoubleInstance {
  id: string;
  group: string;
  lifecycleState: GroupLifecycle;
  ec2State: 'pending' | 'running' | 'shutting-down' | 'terminated';
  backingId?: string;
  backingReady: boolean;
  backingGone: boolean;
  launchedAtMs: number;
  readyAtMs: number;
  instanceType: string;
  zone: string;
  lifecycle: 'spot' | 'on-demand';
  spotRequestId?: string;
  spotStatus?: { code: string; updatedAtMs: number; message: string };
  privateIp?: string;
  publicIp?: string;
  /** SSH port of the backing instance, when not 22. */
  port?: number;
  platform?: string;
  architecture: string;
  /** The AMI it was launched from (RunInstances); the stock AMI when absent. */
  imageId?: string;
  tags: Record<string, string>;
  imds: { instanceAction?: { action: string; timeMs: number }; rebalanceAtMs?: number };
  /** In the group's instance list (false once terminated or vanished). */
  inGroup: boolean;
}

export interface DoubleGroup {
  name: string;
  arn: string;
  minSize: number;
  maxSize: number;
  desired: number;
  instanceTypes: readonly string[];
  spot: boolean;
  mixed: boolean;
  onDemandBase: number;
  protect: boolean;
  suspended: string[];
  capacityRebalance: boolean;
  policies: string[];
  launchTemplate?: Required<Pick<AwsDoubleLaunchTemplate, 'id' | 'name' | 'version'>>;
  launchConfigurationName?: string;
  zones: readonly string[];
  tags: { key: string; value: string; propagateAtLaunch: boolean }[];
  platform?: string;
  architecture: string;
  publicIps: boolean;
  launches: number;
  /** Set by CreateAutoScalingGroup (aws setup); shown as given. */
  spotAllocationStrategy?: string;
  vpcZoneIdentifier?: string;
}

export interface DoubleActivity {
  id: string;
  group: string;
  startMs: number;
  endMs: number;
  statusCode: 'Successful' | 'Failed' | 'InProgress';
  statusMessage?: string;
  description: string;
  cause: string;
}

export interface TemplateVersion {
  templateId: string;
  templateName: string;
  number: number;
  isDefault: boolean;
  httpTokens: 'required' | 'optional';
  /** `LaunchTemplateData.ImageId` (default the double's stock AMI). */
  imageId?: string;
  /** `LaunchTemplateData.InstanceType` (the group's first type). */
  instanceType?: string;
}

export interface LaunchFailureSetting {
  /** Only this group fails to launch; every group when absent. */
  group?: string;
  code: string;
  message: string;
  /** Failed attempts left; undefined = until cleared. */
  remaining?: number;
}

export interface PushedKey {
  instanceId: string;
  osUser: string;
  publicKey: string;
  zone?: string;
  atMs: number;
  expiresAtMs: number;
  /** The backing accepted the key for logins. */
  installed: boolean;
}
