/**
 * Names, labels, mounts and HostConfig of the containers, network and volumes one job
 * creates. Every job resource carries `spotrunner.job=<id>` and `spotrunner.run=<run id>`
 * so cleanup can find leftovers, and `spotrunner.manager=<system id>` when the executor knows
 * its manager, so a restarted manager can tell its own dead jobs' resources from others'. `[runners.docker] volumes`: a container path alone
 * (`/cache`) is a volume kept per runner, project and concurrent project id (gitlab-runner's cache volume;
 * per job when `disable_cache = true`); `host:container[:mode]` and `name:container[:mode]`
 * are binds.
 */
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { CompiledDocker } from '../../config/types.js';

export const LABEL_JOB = 'spotrunner.job';
export const LABEL_RUN = 'spotrunner.run';
export const LABEL_ROLE = 'spotrunner.role';
export const LABEL_RUNNER = 'spotrunner.runner';
export const LABEL_CACHE = 'spotrunner.cache';
/** The system id of the manager whose job made the resource. */
export const LABEL_MANAGER = 'spotrunner.manager';

export type ResourceRole = 'helper' | 'build' | 'service' | 'network' | 'volume';

export interface JobIdentity {
  jobId: number;
  /** Random per run, so a rerun of the same job never touches this run's resources. */
  runId: string;
  /** `spotrunner-job-<id>-<run id>`: prefix of every resource name. */
  prefix: string;
  shortToken: string;
  projectId: number;
  /** CI_CONCURRENT_PROJECT_ID (unique among the runner's running jobs of the project). */
  concurrentProjectId: number;
  /** The manager's system id (`spotrunner.manager`), when the executor was given one. */
  managerId?: string;
}

export function jobLabels(id: JobIdentity, role: ResourceRole): Record<string, string> {
  return {
    [LABEL_JOB]: String(id.jobId),
    [LABEL_RUN]: id.runId,
    [LABEL_ROLE]: role,
    [LABEL_RUNNER]: id.shortToken,
    ...(id.managerId ? { [LABEL_MANAGER]: id.managerId } : {}),
  };
}

export interface VolumeToCreate {
  name: string;
  labels: Record<string, string>;
  /** Removed with the job (otherwise kept for later jobs, like gitlab-runner's cache volumes). */
  perJob: boolean;
}

export interface MountPlan {
  binds: string[];
  volumes: VolumeToCreate[];
  /** Entries that could not be understood, for a trace warning. */
  invalid: string[];
}

export function planMounts(
  docker: Pick<CompiledDocker, 'volumes' | 'disableCache'>,
  id: JobIdentity,
  buildsDir: string,
): MountPlan {
  const plan: MountPlan = { binds: [], volumes: [], invalid: [] };
  const targets = new Set<string>();
  for (const raw of docker.volumes) {
    const spec = raw.trim();
    const parts = spec.split(':');
    if (parts.length === 1 && spec.startsWith('/')) {
      const volume = cacheVolume(id, spec, docker.disableCache);
      plan.volumes.push(volume);
      plan.binds.push(`${volume.name}:${spec}`);
      targets.add(spec);
    } else if (parts.length >= 2 && parts.length <= 3 && parts[0] && parts[1]?.startsWith('/')) {
      plan.binds.push(spec);
      targets.add(parts[1]);
    } else {
      plan.invalid.push(raw);
    }
  }
  if (!targets.has(buildsDir)) {
    const name = `${id.prefix}-builds`;
    plan.volumes.push({ name, labels: jobLabels(id, 'volume'), perJob: true });
    plan.binds.push(`${name}:${buildsDir}`);
  }
  return plan;
}

function cacheVolume(id: JobIdentity, target: string, disableCache: boolean): VolumeToCreate {
  const hash = createHash('md5').update(target).digest('hex');
  if (disableCache) {
    return {
      name: `${id.prefix}-vol-${hash.slice(0, 12)}`,
      labels: jobLabels(id, 'volume'),
      perJob: true,
    };
  }
  return {
    name: `spotrunner-${id.shortToken || 'runner'}-project-${id.projectId}-concurrent-${id.concurrentProjectId}-cache-${hash}`,
    labels: { [LABEL_RUNNER]: id.shortToken, [LABEL_CACHE]: 'true' },
    perJob: false,
  };
}

export interface HostConfigOptions {
  binds: readonly string[];
  network: string;
  privileged: boolean;
  /** Resource limits (memory, cpus, shm_size) apply to build containers. */
  limits: boolean;
}

export function hostConfig(docker: CompiledDocker, options: HostConfigOptions): Docker.HostConfig {
  const config: Docker.HostConfig = {
    Binds: [...options.binds],
    NetworkMode: options.network,
    Privileged: options.privileged,
    ExtraHosts: [...docker.extraHosts],
    Dns: [...docker.dns],
    CapAdd: [...docker.capAdd],
    CapDrop: [...docker.capDrop],
    LogConfig: { Type: 'json-file', Config: {} },
  };
  if (options.limits) {
    if (docker.shmSizeBytes > 0) config.ShmSize = docker.shmSizeBytes;
    if (docker.memoryBytes !== undefined) config.Memory = docker.memoryBytes;
    if (docker.cpus !== undefined) config.NanoCpus = Math.round(docker.cpus * 1e9);
  }
  return config;
}

/** Defaults for a runner without a `[runners.docker]` table (config.toml always has one for the docker executors). */
export function defaultDockerConfig(): CompiledDocker {
  return {
    image: '',
    privileged: false,
    volumes: [],
    extraHosts: [],
    shmSizeBytes: 0,
    pullPolicy: ['if-not-present'],
    networkMtu: 0,
    disableEntrypointOverwrite: false,
    dns: [],
    capAdd: [],
    capDrop: [],
    tlsVerify: false,
    disableCache: false,
  };
}
