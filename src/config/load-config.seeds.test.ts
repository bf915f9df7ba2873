import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from './load-config.js';
import { SEED_004_ENV } from './testdata/seed-env.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

describe('seed 004: a full production config.toml with ${…} placeholders', () => {
  const { config, warnings } = parseConfig(fixture('seed-004.toml'), 'config.toml', SEED_004_ENV);
  const [instance, docker] = config.runners;

  it('reads the global section with gitlab-runner defaults for zero values', () => {
    expect(config.concurrent).toBe(200);
    expect(config.checkIntervalMs).toBe(3_000); // check_interval = 0
    expect(config.shutdownTimeoutMs).toBe(30_000); // shutdown_timeout = 0
    expect(config.connectionMaxAgeMs).toBe(30 * 60_000);
    expect(config.listenAddress).toBe(':9252');
    expect(config.logLevel).toBe('info');
    expect(config.logFormat).toBe('text');
    expect(config.runners).toHaveLength(2);
  });

  it('expands placeholders, including unquoted numbers', () => {
    expect(instance!.name).toBe('walli-aws');
    expect(instance!.url).toBe('https://gitlab.example.com');
    expect(instance!.token).toBe('glrt-t1_instanceTokenAbc123');
    expect(docker!.token).toBe('glrt-t1_dockerTokenXyz789');
    expect(instance!.autoscaler!.capacityPerInstance).toBe(1);
    expect(instance!.autoscaler!.maxUseCount).toBe(1);
    expect(instance!.autoscaler!.maxInstances).toBe(20);
    // a secret with a quote and a backslash inside "…" survives intact
    expect(instance!.cache!.s3!.secretKey).toBe('secret/with"quote\\and-backslash');
  });

  it('compiles the instance runner: id, output limit, token dates, cache', () => {
    expect(instance!.executor).toBe('instance');
    expect(instance!.id).toBe(400);
    expect(instance!.line).toBe(11);
    expect(instance!.outputLimitBytes).toBe(50_000 * 1024);
    expect(instance!.tokenObtainedAtMs).toBe(Date.UTC(2025, 6, 7, 12, 4, 50));
    expect(instance!.tokenExpiresAtMs).toBeUndefined(); // 0001-01-01T00:00:00Z = none
    expect(instance!.cache).toMatchObject({
      type: 's3',
      path: 'cache',
      shared: true,
      maxUploadedArchiveSizeBytes: 0,
      s3: {
        serverAddress: 's3.amazonaws.com',
        bucketName: 'walli-gitlab-runner-cache',
        bucketLocation: 'us-east-2',
        accessKey: 'AKIAEXAMPLEKEY',
        authenticationType: 'access-key',
      },
    });
  });

  it('turns "0s" durations and protocol_port = 0 into the defaults, not into zero', () => {
    const a = instance!.autoscaler!;
    expect(a.instanceAcquireTimeoutMs).toBe(15 * 60_000);
    expect(a.updateIntervalMs).toBe(60_000);
    expect(a.updateIntervalWhenExpectingMs).toBe(2_000);
    expect(a.connector.port).toBeUndefined();
    expect(a.connector.keepaliveMs).toBeGreaterThan(0);
    expect(a.connector.timeoutMs).toBeGreaterThan(0);
    expect(a.connector.username).toBe('gitlab-runner');
    expect(a.connector.protocol).toBe('ssh');
    expect(a.plugin).toBe('aws:latest');
    expect(a.providerKind).toBe('aws');
    expect(a.pluginConfig).toEqual({ name: 'gitlab-runner-ao-group2', profile: 'default' });
  });

  it('reads both policies: a catch-all default period and a weekday-morning one', () => {
    const [always, mornings] = instance!.autoscaler!.policies;
    expect(always).toMatchObject({
      periods: ['* * * * *'],
      idleCount: 2,
      idleTimeMs: 30 * 60_000,
      scaleFactor: 1.5,
      scaleFactorLimit: 10,
      preemptiveMode: true, // idle_count > 0
    });
    expect(mornings).toMatchObject({
      periods: ['* 6-11 * * mon-fri'],
      idleCount: 20,
      timezone: undefined,
    });
    expect(mornings!.line).toBe(52);
  });

  it('compiles the docker-autoscaler runner with its docker section and environment', () => {
    expect(docker!.executor).toBe('docker-autoscaler');
    expect(docker!.id).toBe(401);
    expect(docker!.outputLimitBytes).toBe(4096 * 1024);
    expect(docker!.environment).toEqual([
      'DOCKER_AUTH_CONFIG={"auths":{"registry.example.com":{"auth":"dXNlcjpwYXNz"}}}',
    ]);
    expect(docker!.docker).toMatchObject({
      image: 'ubuntu:24.04',
      privileged: true,
      tlsVerify: false,
      volumes: ['/var/run/docker.sock:/var/run/docker.sock', '/cache'],
      extraHosts: ['gitlab.example.com:10.0.0.5', 'registry.example.com:10.0.0.6'],
      shmSizeBytes: 0,
      networkMtu: 0,
      pullPolicy: ['always'],
    });
    const a = docker!.autoscaler!;
    expect([a.capacityPerInstance, a.maxUseCount, a.maxInstances]).toEqual([5, 30, 25]);
    expect(a.instanceAcquireTimeoutMs).toBe(15 * 60_000); // absent
    expect(a.policies.map((p) => [p.periods, p.idleCount, p.idleTimeMs])).toEqual([
      [['* * * * *'], 1, 20 * 60_000],
      [['* 6-11 * * mon-fri'], 20, 20 * 60_000],
    ]);
    expect(a.scaleThrottleLimitPerSec).toBe(100);
    expect(a.scaleThrottleBurst).toBe(25); // max_instances
  });

  it('warns once about [session_server], which spotrunner does not implement, and about nothing else', () => {
    expect(warnings).toEqual([
      {
        file: 'config.toml',
        line: 8,
        key: 'session_server',
        message: 'accepted by gitlab-runner, not implemented by spotrunner yet: ignored',
      },
    ]);
    expect(config.warnings).toEqual(warnings);
  });

  it('accepts extra_hosts given as a comma-separated list', () => {
    const env = { ...SEED_004_ENV, extra_hosts: 'a.example:10.0.0.1, b.example:10.0.0.2' };
    const loaded = parseConfig(fixture('seed-004.toml'), 'config.toml', env);
    expect(loaded.config.runners[1]!.docker!.extraHosts).toEqual([
      'a.example:10.0.0.1',
      'b.example:10.0.0.2',
    ]);
  });

  it('returns a frozen config', () => {
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(instance!.autoscaler!.policies[0])).toBe(true);
  });
});

describe('seed 002: the docker-autoscaler sketch', () => {
  it('loads as is, with the sketch meaning scale-to-zero with 20m idle time', () => {
    const { config } = parseConfig(fixture('seed-002.toml'), 'config.toml', {});
    const runner = config.runners[0]!;
    expect(runner.executor).toBe('docker-autoscaler');
    expect(runner.autoscaler).toMatchObject({
      plugin: 'aws',
      providerKind: 'aws',
      capacityPerInstance: 1,
      maxInstances: 10,
      maxUseCount: 0,
      pluginConfig: { name: 'my-asg', region: 'us-east-1' },
    });
    expect(runner.autoscaler!.policies).toEqual([
      {
        periods: ['* * * * *'],
        timezone: undefined,
        idleCount: 0,
        idleTimeMs: 20 * 60_000,
        scaleFactor: 0,
        scaleFactorLimit: 0,
        preemptiveMode: false,
        line: 10,
      },
    ]);
    expect(config.concurrent).toBe(1);
  });

  it('flags the missing url and token like gitlab-runner would fail on them, as warnings', () => {
    const { config, warnings } = parseConfig(fixture('seed-002.toml'), 'config.toml', {});
    expect(config.runners[0]!.url).toBe('');
    expect(config.runners[0]!.token).toBe('');
    expect(warnings.map((w) => [w.line, w.key])).toEqual([
      [1, 'runners[0].url'],
      [1, 'runners[0].token'],
    ]);
    expect(warnings[0]!.message).toMatch(/cannot request jobs/);
  });
});

describe('loadConfig', () => {
  it('reads the file and records its absolute path and directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spotrunner-config-'));
    try {
      const path = join(dir, 'config.toml');
      await writeFile(path, fixture('seed-002.toml'));
      const { config } = await loadConfig(path, { env: {} });
      expect(config.file).toBe(path);
      expect(config.dir).toBe(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a missing file as a config error naming it', async () => {
    await expect(loadConfig('/nonexistent/config.toml', { env: {} })).rejects.toThrow(
      /\/nonexistent\/config\.toml: cannot read the config file/,
    );
  });
});
