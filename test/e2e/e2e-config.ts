/**
 * The config.toml the end-to-end tests run the manager with: one runner on the sandbox server,
 * either the `instance` executor on `local` instances or the `shell` executor on the manager
 * itself, with short intervals so that scale-up, scale-down and polling happen within seconds.
 */
export interface E2eConfigInput {
  url: string;
  token: string;
  /** Default `instance`. */
  executor?: 'instance' | 'shell';
  /** Holds instances/, builds/ and cache/. */
  dataDir: string;
  concurrent?: number;
  /** Runner `limit` (0 = unlimited). */
  limit?: number;
  requestConcurrency?: number;
  maxInstances?: number;
  capacityPerInstance?: number;
  idleCount?: number;
  idleTime?: string;
  bootDelay?: string;
  /** `cache_dir` of the runner; default `<dataDir>/cache` (shared by every local instance). */
  cacheDir?: string | null;
  s3Cache?: {
    serverAddress: string;
    accessKey: string;
    secretKey: string;
    bucketName: string;
    shared?: boolean;
  };
  /** Global `listen_address` (status server and /metrics); none by default. */
  listenAddress?: string;
  /** Raw TOML lines added to the `[[runners]]` table (before its sub-tables). */
  runnerExtra?: string;
  /** Raw TOML lines of the top-level `[spotrunner]` table (the manager's own settings). */
  spotrunnerTable?: string;
}

/**
 * Up to two local instances of one job each, removed after 2 s idle, and the status server on a
 * free loopback port: a fleet whose dashboard, /metrics and history a test reads.
 */
export const OBSERVED_FLEET = {
  capacityPerInstance: 1,
  maxInstances: 2,
  idleTime: '2s',
  listenAddress: '127.0.0.1:0',
} as const satisfies Partial<E2eConfigInput>;

const q = (s: string): string => JSON.stringify(s);

function cacheToml(i: E2eConfigInput): string {
  const c = i.s3Cache;
  if (!c) return '';
  return [
    '  [runners.cache]',
    '    Type = "s3"',
    ...(c.shared !== undefined ? [`    Shared = ${String(c.shared)}`] : []),
    '    [runners.cache.s3]',
    `      ServerAddress = ${q(c.serverAddress)}`,
    `      AccessKey = ${q(c.accessKey)}`,
    `      SecretKey = ${q(c.secretKey)}`,
    `      BucketName = ${q(c.bucketName)}`,
    '      Insecure = true',
    '',
  ].join('\n');
}

function autoscalerToml(i: E2eConfigInput): string {
  if (i.executor === 'shell') return '';
  return [
    '  [runners.autoscaler]',
    '    plugin = "local"',
    `    capacity_per_instance = ${i.capacityPerInstance ?? 2}`,
    `    max_instances = ${i.maxInstances ?? 3}`,
    '    update_interval = "1s"',
    '    update_interval_when_expecting = "1s"',
    '    [runners.autoscaler.plugin_config]',
    `      dir = ${q(`${i.dataDir}/instances`)}`,
    `      boot_delay = ${q(i.bootDelay ?? '0s')}`,
    '    [[runners.autoscaler.policy]]',
    `      idle_count = ${i.idleCount ?? 0}`,
    `      idle_time = ${q(i.idleTime ?? '3s')}`,
    '',
  ].join('\n');
}

export function e2eConfigToml(i: E2eConfigInput): string {
  const executor = i.executor ?? 'instance';
  const cacheDir = i.cacheDir === undefined ? `${i.dataDir}/cache` : i.cacheDir;
  return [
    `concurrent = ${i.concurrent ?? 8}`,
    'check_interval = 1',
    'shutdown_timeout = 10',
    ...(i.listenAddress ? [`listen_address = ${q(i.listenAddress)}`] : []),
    '',
    '[[runners]]',
    `  name = "e2e-${executor}"`,
    `  url = ${q(i.url)}`,
    `  token = ${q(i.token)}`,
    `  executor = ${q(executor)}`,
    `  limit = ${i.limit ?? 0}`,
    `  request_concurrency = ${i.requestConcurrency ?? 1}`,
    ...(executor === 'shell' ? [`  builds_dir = ${q(`${i.dataDir}/builds`)}`] : []),
    ...(cacheDir === null ? [] : [`  cache_dir = ${q(cacheDir)}`]),
    ...(i.runnerExtra ? [i.runnerExtra] : []),
    cacheToml(i),
    autoscalerToml(i),
    ...(i.spotrunnerTable ? ['[spotrunner]', i.spotrunnerTable, ''] : []),
  ].join('\n');
}
