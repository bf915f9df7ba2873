import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { describeConfig, redactToken } from './describe-config.js';
import { parseConfig } from './load-config.js';
import { SEED_004_ENV } from './testdata/seed-env.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

// Monday 2025-07-07 10:30 in Berlin.
const MONDAY_MORNING_BERLIN = Date.UTC(2025, 6, 7, 8, 30);
const SUNDAY = Date.UTC(2025, 6, 6, 8, 30);

const seed004 = parseConfig(
  fixture('seed-004.toml').replace(
    /periods = \["\* 6-11 \* \* mon-fri"\]/g,
    '$&\ntimezone = "Europe/Berlin"',
  ),
  'config.toml',
  SEED_004_ENV,
).config;

describe('describeConfig', () => {
  const text = describeConfig(seed004, { nowMs: MONDAY_MORNING_BERLIN });

  it('summarises each runner without secrets', () => {
    expect(text).toContain('runner 1: "walli-aws" (id 400)');
    expect(text).toContain('GitLab:      https://gitlab.example.com, token glrt…');
    expect(text).toContain('executor:    docker-autoscaler');
    expect(text).toContain('aws: Auto Scaling group gitlab-runner-ao-group-docker2');
    expect(text).toContain(
      '5 slots per instance, at most 25 instances (125 slots), each instance serves 30 jobs',
    );
    for (const secret of [
      SEED_004_ENV.registration_token!,
      SEED_004_ENV.docker_registration_token!,
      SEED_004_ENV.aws_s3_cache_secret_key!,
      SEED_004_ENV.aws_s3_cache_access_key!,
      SEED_004_ENV.docker_registry_auth!,
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('describes policies in words and marks the active one', () => {
    expect(text).toContain(
      '#2 minutes of hours 6–11, Monday–Friday (Europe/Berlin): idle_count 20 slots (~4 instances), idle_time 20m0s, scale_factor 1.5 (limit 10), preemptive   ← active now',
    );
    expect(text).toMatch(
      /#1 every minute \(manager local time\): idle_count 1 slot \(~1 instance\)[^\n]*preemptive\n/,
    );
    const sunday = describeConfig(seed004, { nowMs: SUNDAY });
    expect(sunday).toMatch(/#1 every minute[^\n]*← active now/);
  });

  it('uses the active-policy function it is given', () => {
    const out = describeConfig(seed004, { nowMs: SUNDAY, activePolicyIndex: () => -1 });
    expect(out).not.toContain('← active now');
    expect(out).toContain('no policy is active now');
  });

  it('says what bounds concurrency', () => {
    expect(text).toContain(
      'concurrency: at most 125 jobs at once, bounded by max_instances × capacity_per_instance = 125',
    );
    expect(text).toContain(
      'concurrent 200 jobs across all runners, checking for jobs every 3s, metrics on :9252',
    );
  });

  it('shows the cache and the warnings', () => {
    expect(text).toContain(
      'cache:       S3 bucket walli-gitlab-runner-cache (us-east-2), shared by all runners, path "cache", access-key credentials',
    );
    expect(text).toContain('warnings:\n  config.toml:8: session_server: accepted by gitlab-runner');
  });

  it('warns when concurrent is below max_instances × capacity_per_instance', () => {
    const { config } = parseConfig(fixture('seed-002.toml'), 'config.toml', {});
    const out = describeConfig(config, { nowMs: SUNDAY });
    expect(out).toContain('concurrency: at most 1 job at once, bounded by concurrent 1');
    expect(out).toContain(
      'concurrent (1) is lower than max_instances × capacity_per_instance (10) for runner 1: the gitlab-runner docs advise setting them equal',
    );
    expect(out).toContain('GitLab:      (missing), token (missing)');
  });

  it('names the fallback group, its wait and its probe interval', () => {
    const text = `${fixture('seed-002.toml')}
[runners.spotrunner.fallback]
plugin = "aws"
after = "2m"
probe_interval = "5m"
[runners.spotrunner.fallback.plugin_config]
name = "on-demand"
`;
    const out = describeConfig(parseConfig(text, 'config.toml', {}).config, { nowMs: SUNDAY });
    expect(out).toContain('fallback aws after 2m0s (primary probed every 5m0s)');
  });
});

describe('redactToken', () => {
  it('keeps only the first 4 characters', () => {
    expect(redactToken('glrt-abcdef')).toBe('glrt…');
    expect(redactToken('')).toBe('(missing)');
  });
});
