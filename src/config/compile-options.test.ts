import { describe, expect, it } from 'vitest';
import { ConfigError } from '../platform/errors.js';
import { parseConfig } from './load-config.js';
import { parseCpus, parseMemoryBytes } from './compile-docker-cache.js';

const base = (extra: string, executor = 'docker-autoscaler'): string => `concurrent = 10
[[runners]]
name = "r"
url = "https://gitlab.example.com"
token = "glrt-t1_abcdefghijk"
executor = "${executor}"
[runners.autoscaler]
plugin = "aws"
max_instances = 10
[runners.autoscaler.plugin_config]
name = "asg"
${extra}`;

const load = (text: string): ReturnType<typeof parseConfig> =>
  parseConfig(text, '/etc/sr/config.toml', {});

describe('[runners.spotrunner]', () => {
  it('has documented defaults when absent', () => {
    expect(load(base('')).config.runners[0]!.spotrunner).toEqual({
      interruptionMode: 'rerun',
      maxReruns: 2,
      rerunOnFallback: false,
      fallback: undefined,
      instanceType: undefined,
      stateFile: undefined,
      orphanGraceMs: 10 * 60_000,
      instanceStartTimeoutMs: 20 * 60_000,
    });
  });

  it('reads every option and the fallback group', () => {
    const text = base(`[runners.spotrunner]
interruption_mode = "fail"
max_reruns = 0
rerun_on_fallback = true
instance_type = "t4g.medium"
state_file = "/var/lib/sr/state.json"
orphan_grace = "0s"
instance_start_timeout = "7m30s"
[runners.spotrunner.fallback]
plugin = "fleeting-plugin-aws"
[runners.spotrunner.fallback.plugin_config]
name = "on-demand"
`);
    expect(load(text).config.runners[0]!.spotrunner).toEqual({
      interruptionMode: 'fail',
      maxReruns: 0,
      rerunOnFallback: true,
      fallback: {
        plugin: 'fleeting-plugin-aws',
        providerKind: 'aws',
        pluginConfig: { name: 'on-demand' },
        provider: {
          kind: 'aws',
          aws: expect.objectContaining({ groupName: 'on-demand' }) as unknown,
        },
        afterMs: 180_000,
        probeIntervalMs: 180_000,
      },
      instanceType: 't4g.medium',
      stateFile: '/var/lib/sr/state.json',
      orphanGraceMs: 10 * 60_000,
      instanceStartTimeoutMs: 450_000,
    });
  });

  it('probes the primary every `after` by default, never more often than once a minute', () => {
    const fallbackOf = (keys: string) =>
      load(
        base(
          `[runners.spotrunner.fallback]\nplugin = "aws"\n${keys}` +
            '[runners.spotrunner.fallback.plugin_config]\nname = "od"\n',
        ),
      ).config.runners[0]!.spotrunner.fallback;
    expect(fallbackOf('after = "30s"\n')).toMatchObject({
      afterMs: 30_000,
      probeIntervalMs: 60_000,
    });
    expect(fallbackOf('after = "5m"\n')).toMatchObject({
      afterMs: 300_000,
      probeIntervalMs: 300_000,
    });
    expect(fallbackOf('after = "30s"\nprobe_interval = "10s"\n')).toMatchObject({
      probeIntervalMs: 10_000,
    });
  });

  it('rejects a bad interruption mode and an unknown key with suggestions', () => {
    const text = base('[runners.spotrunner]\ninterruption_mode = "retry"\nmax_rerun = 3\n');
    expect(() => load(text)).toThrow(ConfigError);
    try {
      load(text);
    } catch (err: unknown) {
      const issues = (err as ConfigError).issues;
      expect(issues.map((i) => [i.line, i.key])).toEqual([
        [13, 'runners[0].spotrunner.interruption_mode'],
        [14, 'runners[0].spotrunner.max_rerun'],
      ]);
      expect(issues.find((i) => i.line === 13)!.message).toBe(
        'expected one of "rerun", "fail", got "retry"',
      );
      expect(issues.find((i) => i.line === 14)!.message).toMatch(/did you mean "max_reruns"/);
    }
  });
});

describe('[runners.autoscaler] details', () => {
  it('reads scale_throttle: -1 is unlimited, burst defaults to max_instances or the limit', () => {
    const unlimited = load(base('[runners.autoscaler.scale_throttle]\nlimit = -1\n'));
    expect(unlimited.config.runners[0]!.autoscaler).toMatchObject({
      scaleThrottleLimitPerSec: -1,
      scaleThrottleBurst: 0,
    });
    const noMax = load(
      base('[runners.autoscaler.scale_throttle]\nlimit = 5\n').replace(
        'max_instances = 10',
        'max_instances = 0',
      ),
    );
    expect(noMax.config.runners[0]!.autoscaler).toMatchObject({
      scaleThrottleLimitPerSec: 5,
      scaleThrottleBurst: 5,
    });
  });

  it('places state storage under <config dir>/.taskscaler/<short token> by default', () => {
    const a = load(base('[runners.autoscaler.state_storage]\nenabled = true\n')).config.runners[0]!
      .autoscaler!;
    expect(a.stateStorage).toEqual({
      enabled: true,
      dir: '/etc/sr/.taskscaler/abcdefghi',
      keepInstanceWithAcquisitions: false,
    });
  });

  it('defaults the connector to winrm and the shell to pwsh for Windows instances', () => {
    // (the sim plugin: aws and static instances are reached over ssh only)
    const runner = load(
      base(
        '[runners.autoscaler.connector_config]\nos = "windows"\nprotocol_port = 5986\n',
        'instance',
      )
        .replace('plugin = "aws"', 'plugin = "sim"')
        .replace('[runners.autoscaler.plugin_config]\nname = "asg"\n', ''),
    ).config.runners[0]!;
    expect(runner.autoscaler!.connector).toMatchObject({
      os: 'windows',
      protocol: 'winrm',
      port: 5986,
    });
    expect(runner.shell).toBe('pwsh');
  });

  it("warns when a policy has no idle_time, below gitlab-runner's 1s minimum", () => {
    const { warnings, config } = load(base('[[runners.autoscaler.policy]]\nidle_count = 1\n'));
    expect(config.runners[0]!.autoscaler!.policies[0]!.idleTimeMs).toBe(0);
    expect(warnings).toMatchObject([
      { line: 12, key: 'runners[0].autoscaler.policy[0].idle_time' },
    ]);
  });

  it('needs the Auto Scaling group name for the aws plugin', () => {
    expect(() => load(base('').replace('name = "asg"', 'region = "x"'))).toThrow(
      /plugin_config\.name: required by the aws plugin: the Auto Scaling group name/,
    );
  });

  it('takes preemptive_mode when given, else idle_count > 0', () => {
    const text = base(
      '[[runners.autoscaler.policy]]\nidle_count = 2\nidle_time = "1m"\npreemptive_mode = false\n',
    );
    expect(load(text).config.runners[0]!.autoscaler!.policies[0]!.preemptiveMode).toBe(false);
  });
});

describe('[runners.docker] and [runners.cache]', () => {
  it('parses memory, cpus and pull policies', () => {
    const text = base(
      '[runners.docker]\nmemory = "2g"\ncpus = "1.5"\npull_policy = ["if-not-present", "always"]\n',
    );
    expect(load(text).config.runners[0]!.docker).toMatchObject({
      memoryBytes: 2 * 1024 ** 3,
      cpus: 1.5,
      pullPolicy: ['if-not-present', 'always'],
    });
    expect(() => load(base('[runners.docker]\npull_policy = "sometimes"\n'))).toThrow(
      /pull_policy/,
    );
  });

  it('ignores [runners.docker] for the instance executor, with a warning', () => {
    const { config, warnings } = load(base('[runners.docker]\nimage = "alpine"\n', 'instance'));
    expect(config.runners[0]!.docker).toBeUndefined();
    expect(warnings.map((w) => w.key)).toEqual(['runners[0].docker']);
  });

  it('disables an S3 cache without a bucket, and a gcs cache, with warnings', () => {
    const noBucket = load(
      base('[runners.cache]\nType = "s3"\n[runners.cache.s3]\nBucketLocation = "eu-west-1"\n'),
    );
    expect(noBucket.config.runners[0]!.cache).toBeUndefined();
    expect(noBucket.warnings[0]!.key).toBe('runners[0].cache.s3.BucketName');
    const gcs = load(base('[runners.cache]\nType = "gcs"\n'));
    expect(gcs.config.runners[0]!.cache).toBeUndefined();
    expect(gcs.warnings[0]!.message).toMatch(/not implemented by spotrunner yet/);
  });

  it('uses IAM credentials for S3 unless address and both keys are set, as gitlab-runner does', () => {
    const iam = load(base('[runners.cache]\nType = "s3"\n[runners.cache.s3]\nBucketName = "b"\n'));
    expect(iam.config.runners[0]!.cache!.s3).toMatchObject({
      authenticationType: 'iam',
      serverAddress: 's3.amazonaws.com',
      bucketLocation: 'us-east-1',
    });
  });
});

describe('size and CPU parsing', () => {
  it('reads docker memory sizes in binary units', () => {
    expect(parseMemoryBytes('512m')).toBe(512 * 1024 ** 2);
    expect(parseMemoryBytes('4GiB')).toBe(4 * 1024 ** 3);
    expect(parseMemoryBytes('1024')).toBe(1024);
    expect(parseMemoryBytes('lots')).toBeUndefined();
  });

  it('reads cpus as a rational number', () => {
    expect(parseCpus('3/2')).toBe(1.5);
    expect(parseCpus(2)).toBe(2);
    expect(parseCpus('zero')).toBeUndefined();
  });
});
