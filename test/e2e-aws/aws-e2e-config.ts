/**
 * The config.toml of the AWS end-to-end tests: one `instance` runner on the sandbox server whose
 * autoscaler drives an Auto Scaling group of the AWS double (reached through `plugin_config.endpoint`
 * with a written profile, so the real SDK credential chain signs every call), optionally with a
 * fallback group. Short intervals, so scaling and rescue happen within seconds.
 */
export interface AwsGroupRef {
  name: string;
  endpoint: string;
  region: string;
  profile: string;
  configFile: string;
  credentialsFile: string;
  queueUrl?: string;
  imdsPoll?: string;
  metadataUrl?: string;
  spotRequestChecks?: boolean;
}

export interface AwsE2eConfigInput {
  url: string;
  token: string;
  listenAddress: string;
  sshPort: number;
  group: AwsGroupRef;
  fallback?: { group: AwsGroupRef; after: string; probeInterval?: string };
  concurrent?: number;
  capacityPerInstance?: number;
  maxInstances?: number;
  idleCount?: number;
  idleTime?: string;
  updateInterval?: string;
  /** Default: updateInterval. */
  updateIntervalWhenExpecting?: string;
  interruptionMode?: 'rerun' | 'fail';
  maxReruns?: number;
  orphanGrace?: string;
  shutdownTimeoutS?: number;
}

const q = (s: string): string => JSON.stringify(s);

function pluginConfig(table: string, g: AwsGroupRef): string[] {
  return [
    `    [${table}]`,
    `      name = ${q(g.name)}`,
    `      region = ${q(g.region)}`,
    `      profile = ${q(g.profile)}`,
    `      config_file = ${q(g.configFile)}`,
    `      credentials_file = ${q(g.credentialsFile)}`,
    `      endpoint = ${q(g.endpoint)}`,
    '      max_attempts = 2',
    '      tag_group = true',
    ...(g.queueUrl
      ? [
          `      interruption_queue_url = ${q(g.queueUrl)}`,
          '      interruption_queue_wait_seconds = 1',
        ]
      : []),
    ...(g.imdsPoll ? [`      imds_poll = ${q(g.imdsPoll)}`] : []),
    ...(g.metadataUrl ? [`      metadata_url = ${q(g.metadataUrl)}`] : []),
    ...(g.spotRequestChecks === false ? ['      spot_request_checks = false'] : []),
  ];
}

export function awsE2eConfigToml(i: AwsE2eConfigInput): string {
  const update = i.updateInterval ?? '1s';
  return [
    `concurrent = ${i.concurrent ?? 8}`,
    'check_interval = 1',
    `shutdown_timeout = ${i.shutdownTimeoutS ?? 30}`,
    `listen_address = ${q(i.listenAddress)}`,
    'log_level = "info"',
    '',
    '[[runners]]',
    '  name = "aws-spot"',
    `  url = ${q(i.url)}`,
    `  token = ${q(i.token)}`,
    '  executor = "instance"',
    '  [runners.spotrunner]',
    `    interruption_mode = ${q(i.interruptionMode ?? 'rerun')}`,
    `    max_reruns = ${i.maxReruns ?? 2}`,
    `    orphan_grace = ${q(i.orphanGrace ?? '10m')}`,
    ...(i.fallback
      ? [
          '    [runners.spotrunner.fallback]',
          '      plugin = "aws"',
          `      after = ${q(i.fallback.after)}`,
          ...(i.fallback.probeInterval
            ? [`      probe_interval = ${q(i.fallback.probeInterval)}`]
            : []),
          ...pluginConfig('runners.spotrunner.fallback.plugin_config', i.fallback.group).map(
            (l) => `  ${l}`,
          ),
        ]
      : []),
    '  [runners.autoscaler]',
    '    plugin = "aws"',
    `    capacity_per_instance = ${i.capacityPerInstance ?? 1}`,
    `    max_instances = ${i.maxInstances ?? 3}`,
    `    update_interval = ${q(update)}`,
    `    update_interval_when_expecting = ${q(i.updateIntervalWhenExpecting ?? update)}`,
    ...pluginConfig('runners.autoscaler.plugin_config', i.group),
    '    [runners.autoscaler.connector_config]',
    `      protocol_port = ${i.sshPort}`,
    '      timeout = "10s"',
    '    [[runners.autoscaler.policy]]',
    `      idle_count = ${i.idleCount ?? 0}`,
    `      idle_time = ${q(i.idleTime ?? '2s')}`,
    '',
  ].join('\n');
}
