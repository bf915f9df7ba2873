/**
 * What `[runners.autoscaler.plugin_config]` (and the fallback's) compiles to, one shape per
 * provider: validated by the provider's schema in `plugin-config/` when the file is loaded, so a
 * typo or a bad value is a file:line error in `config check`, not a failure at `run`.
 */

/** `plugin = "aws"`: fleeting-plugin-aws's keys plus spotrunner's additions. */
export interface CompiledAwsPlugin {
  /** The Auto Scaling group (`name`). */
  groupName: string;
  region?: string;
  profile?: string;
  configFile?: string;
  credentialsFile?: string;
  /** A compatible endpoint (tests, other clouds). */
  endpoint?: string;
  maxAttempts: number;
  tagGroup: boolean;
  interruptionQueueUrl?: string;
  interruptionQueueWaitSeconds: number;
  spotRequestChecks: boolean;
  keyType: 'auto' | 'ed25519' | 'rsa';
  /** 0 = off. */
  imdsPollMs: number;
  metadataUrl?: string;
}

/** `plugin = "local"`; paths are absolute (resolved against the config file's directory). */
export interface CompiledLocalPlugin {
  dir?: string;
  bootDelayMs?: number;
  maxInstances?: number;
  addressPrefix?: string;
  firstHost?: number;
  shell?: string;
  dockerSocket?: string;
  sshPort?: number;
}

export interface CompiledStaticHost {
  name?: string;
  address: string;
  port?: number;
  username?: string;
  /** Absolute. */
  keyPath?: string;
  password?: string;
  hostKey?: string;
}

/** `plugin = "static"`. */
export interface CompiledStaticPlugin {
  hosts: readonly CompiledStaticHost[];
}

/** `plugin = "sim"` (for `spotrunner plan` only). */
export interface CompiledSimPlugin {
  /** Region whose prices `plan` uses. */
  region?: string;
}

/** The provider of one instance group, with its compiled plugin_config. */
export type CompiledProvider =
  | { kind: 'aws'; aws: CompiledAwsPlugin }
  | { kind: 'local'; local: CompiledLocalPlugin }
  | { kind: 'static'; static: CompiledStaticPlugin }
  | { kind: 'sim'; sim: CompiledSimPlugin };

export type ProviderKind = CompiledProvider['kind'];
