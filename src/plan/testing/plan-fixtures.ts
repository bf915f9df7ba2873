/** Small configs and histories for plan tests. */
import { parseConfig } from '../../config/index.js';
import type { CompiledConfig } from '../../config/types.js';
import type { History, JobRecord } from '../history/job-record.js';

export const T0 = Date.parse('2026-05-04T00:00:00Z');
export const MIN = 60_000;

export interface FleetToml {
  concurrent?: number;
  capacity?: number;
  maxInstances?: number;
  idleCount?: number;
  idleTime?: string;
  limit?: number;
  instanceType?: string;
  extraPolicy?: string;
  /** Extra `[runners.autoscaler]` lines. */
  autoscaler?: string;
  spotrunner?: string;
}

/** The config.toml text of a one-runner aws fleet with these settings. */
export function planToml(o: FleetToml = {}): string {
  return `
concurrent = ${o.concurrent ?? 10}
check_interval = 3
[[runners]]
name = "test"
url = "https://gitlab.example.com"
token = "glrt-test"
executor = "docker-autoscaler"
limit = ${o.limit ?? 0}
[runners.docker]
image = "alpine"
[runners.autoscaler]
plugin = "aws"
capacity_per_instance = ${o.capacity ?? 1}
max_instances = ${o.maxInstances ?? 10}
${o.autoscaler ?? ''}
[runners.autoscaler.plugin_config]
name = "asg"
region = "us-east-1"
[[runners.autoscaler.policy]]
idle_count = ${o.idleCount ?? 0}
idle_time = "${o.idleTime ?? '20m'}"
${o.extraPolicy ?? ''}
[runners.spotrunner]
instance_type = "${o.instanceType ?? 't4g.medium'}"
${o.spotrunner ?? ''}
`;
}

export function planConfig(o: FleetToml = {}): CompiledConfig {
  return parseConfig(planToml(o), 'test.toml', {}).config;
}

export function job(atMs: number, durationMs: number, extra: Partial<JobRecord> = {}): JobRecord {
  return { queuedAtMs: atMs, durationMs, tags: [], project: 'g/app', ...extra };
}

/** A history of the given jobs over one day from T0. */
export function dayHistory(jobs: JobRecord[], days = 1): History {
  return {
    jobs: [...jobs].sort((a, b) => a.queuedAtMs - b.queuedAtMs),
    source: 'test',
    skipped: 0,
    spanStartMs: T0,
    spanMs: days * 86_400_000,
  };
}
