/**
 * Every key gitlab-runner's config.toml accepts, table by table: implemented ones come from the
 * zod schemas; the others are listed here with gitlab-runner's default, so a non-default value
 * is reported as "accepted by gitlab-runner, not implemented by spotrunner yet" instead of being
 * dropped silently. Sources: gitlab-runner `common/config.go` and the configuration docs.
 */
import type { z } from 'zod';
import {
  autoscalerSchema,
  cacheSchema,
  connectorSchema,
  customBuildDirSchema,
  dockerSchema,
  fallbackSchema,
  policySchema,
  managerSchema,
  rootSchema,
  runnerSchema,
  s3Schema,
  scaleThrottleSchema,
  spotrunnerSchema,
  stateStorageSchema,
} from './schema.js';

export interface TableSpec {
  /** How the table is written in config.toml, e.g. `[runners.autoscaler]`. */
  label: string;
  /** Implemented keys (their types are checked by zod). */
  schema?: z.ZodObject;
  /**
   * Keys (or whole tables) gitlab-runner accepts that spotrunner ignores, mapped to gitlab-runner's
   * default; `undefined` means Go's zero value (false, 0, "", empty). Contents are not checked.
   */
  ignored?: Readonly<Record<string, unknown>>;
  tables?: Readonly<Record<string, TableSpec>>;
  /** Arrays of tables (`[[…]]`). */
  arrays?: Readonly<Record<string, TableSpec>>;
  /** Any key is allowed (plugin_config). */
  free?: boolean;
}

const zeroDefaults = (keys: readonly string[]): Record<string, undefined> =>
  Object.fromEntries(keys.map((k) => [k, undefined]));

const pluginConfig: TableSpec = { label: '[runners.autoscaler.plugin_config]', free: true };

const autoscaler: TableSpec = {
  label: '[runners.autoscaler]',
  schema: autoscalerSchema,
  ignored: zeroDefaults([
    'log_internal_ip',
    'log_external_ip',
    'vm_isolation',
    'instance_operation_time_buckets',
    'instance_creation_time_buckets',
    'instance_is_running_time_buckets',
    'instance_deletion_time_buckets',
    'instance_readiness_time_buckets',
    'instance_life_duration_buckets',
  ]),
  tables: {
    plugin_config: pluginConfig,
    connector_config: { label: '[runners.autoscaler.connector_config]', schema: connectorSchema },
    scale_throttle: { label: '[runners.autoscaler.scale_throttle]', schema: scaleThrottleSchema },
    state_storage: { label: '[runners.autoscaler.state_storage]', schema: stateStorageSchema },
  },
  arrays: { policy: { label: '[[runners.autoscaler.policy]]', schema: policySchema } },
};

const docker: TableSpec = {
  label: '[runners.docker]',
  schema: dockerSchema,
  ignored: {
    ...zeroDefaults([
      'hostname',
      'runtime',
      'memory_swap',
      'memory_reservation',
      'cpuset_cpus',
      'cpuset_mems',
      'cpu_shares',
      'dns_search',
      'services_privileged',
      'group_add',
      'userns_mode',
      'oom_kill_disable',
      'oom_score_adjust',
      'security_opt',
      'services_security_opt',
      'devices',
      'services_devices',
      'device_cgroup_rules',
      'gpus',
      'service_gpus',
      'volume_driver',
      'volume_driver_ops',
      'cache_dir',
      'volumes_from',
      'network_mode',
      'ipcmode',
      'mac_address',
      'links',
      'services',
      'wait_for_services_timeout',
      'allowed_images',
      'allowed_privileged_images',
      'allowed_privileged_services',
      'allowed_services',
      'allowed_users',
      'isolation',
      'tmpfs',
      'services_tmpfs',
      'sysctls',
      'helper_image_flavor',
      'helper_image_autoset_arch_and_os',
      'container_labels',
      'enable_ipv6',
      'ulimit',
      'tls_cert_path',
      'log_options',
      'cgroup_parent',
      'service_cgroup_parent',
      'service_memory',
      'service_memory_swap',
      'service_memory_reservation',
      'service_cpuset_cpus',
      'service_cpu_shares',
      'service_cpus',
      'services_limit',
      'user_namespace_mode',
    ]),
  },
};

const cache: TableSpec = {
  label: '[runners.cache]',
  schema: cacheSchema,
  ignored: zeroDefaults(['gcs', 'azure']),
  tables: {
    s3: {
      label: '[runners.cache.s3]',
      schema: s3Schema,
      ignored: { ...zeroDefaults(['RoleARN', 'UploadRoleARN', 'Accelerate']), DualStack: true },
    },
  },
};

const spotrunner: TableSpec = {
  label: '[runners.spotrunner]',
  schema: spotrunnerSchema,
  tables: {
    fallback: {
      label: '[runners.spotrunner.fallback]',
      schema: fallbackSchema,
      tables: {
        plugin_config: { label: '[runners.spotrunner.fallback.plugin_config]', free: true },
      },
    },
    aws_setup: { label: '[runners.spotrunner.aws_setup]', free: true },
  },
};

const runner: TableSpec = {
  label: '[[runners]]',
  schema: runnerSchema,
  ignored: {
    ...zeroDefaults([
      'safe_directory_checkout',
      'clean_git_config',
      'job_status_final_update_retry_limit',
      'referees',
      'instance',
      'ssh',
      'parallels',
      'virtualbox',
      'machine',
      'kubernetes',
      'custom',
      'labels',
    ]),
    feature_flags: {},
  },
  tables: {
    cache,
    docker,
    autoscaler,
    spotrunner,
    custom_build_dir: { label: '[runners.custom_build_dir]', schema: customBuildDirSchema },
  },
};

/** The whole file, from the global section down. */
export const CONFIG_CATALOG: TableSpec = {
  label: 'the global section',
  schema: rootSchema,
  ignored: { ...zeroDefaults(['user', 'sentry_dsn', 'labels']), session_server: undefined },
  arrays: { runners: runner },
  tables: { spotrunner: { label: '[spotrunner]', schema: managerSchema } },
};

/** Every key name a table accepts (implemented, ignored, sub-tables). */
export function knownKeys(spec: TableSpec): string[] {
  return [
    ...Object.keys(spec.schema?.shape ?? {}),
    ...Object.keys(spec.ignored ?? {}),
    ...Object.keys(spec.tables ?? {}),
    ...Object.keys(spec.arrays ?? {}),
  ].filter((k, i, all) => all.indexOf(k) === i);
}

/** key name → labels of the tables where it is valid, for "it belongs in …" hints. */
export function keyHomes(root: TableSpec): Map<string, string[]> {
  const homes = new Map<string, string[]>();
  const visit = (spec: TableSpec): void => {
    if (spec.free) return;
    for (const key of knownKeys(spec)) homes.set(key, [...(homes.get(key) ?? []), spec.label]);
    for (const child of [
      ...Object.values(spec.tables ?? {}),
      ...Object.values(spec.arrays ?? {}),
    ]) {
      visit(child);
    }
  };
  visit(root);
  return homes;
}
