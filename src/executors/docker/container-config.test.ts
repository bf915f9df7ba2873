import { describe, expect, it } from 'vitest';
import {
  defaultDockerConfig,
  hostConfig,
  planMounts,
  type JobIdentity,
} from './container-config.js';

const id: JobIdentity = {
  jobId: 42,
  runId: 'abcd1234',
  prefix: 'spotrunner-job-42-abcd1234',
  shortToken: 't9Wkyj-HG',
  projectId: 17,
  concurrentProjectId: 2,
};

describe('job mounts', () => {
  it('gives /builds a per-job volume and a bare container path a kept cache volume', () => {
    const plan = planMounts(
      { volumes: ['/cache', '/srv/data:/data:ro'], disableCache: false },
      id,
      '/builds',
    );
    expect(plan.binds).toEqual([
      'spotrunner-t9Wkyj-HG-project-17-concurrent-2-cache-3c3f060a0374fc8bc39395164f415a70:/cache',
      '/srv/data:/data:ro',
      'spotrunner-job-42-abcd1234-builds:/builds',
    ]);
    expect(plan.volumes).toEqual([
      {
        name: 'spotrunner-t9Wkyj-HG-project-17-concurrent-2-cache-3c3f060a0374fc8bc39395164f415a70',
        labels: { 'spotrunner.runner': 't9Wkyj-HG', 'spotrunner.cache': 'true' },
        perJob: false,
      },
      {
        name: 'spotrunner-job-42-abcd1234-builds',
        labels: {
          'spotrunner.job': '42',
          'spotrunner.run': 'abcd1234',
          'spotrunner.role': 'volume',
          'spotrunner.runner': 't9Wkyj-HG',
        },
        perJob: true,
      },
    ]);
  });

  it('makes container-path volumes per job with disable_cache, and reports what it cannot read', () => {
    const plan = planMounts(
      { volumes: ['/cache', 'nonsense', '/builds'], disableCache: true },
      id,
      '/builds',
    );
    expect(plan.invalid).toEqual(['nonsense']);
    expect(plan.volumes.map((v) => [v.name.replace(/[0-9a-f]{12}$/, 'HASH'), v.perJob])).toEqual([
      ['spotrunner-job-42-abcd1234-vol-HASH', true],
      ['spotrunner-job-42-abcd1234-vol-HASH', true],
    ]);
    // A volume for /builds from the config replaces the per-job builds volume.
    expect(plan.binds.filter((b) => b.endsWith(':/builds'))).toHaveLength(1);
  });
});

describe('host config', () => {
  it('maps [runners.docker] onto HostConfig, limits only where asked', () => {
    const docker = {
      ...defaultDockerConfig(),
      extraHosts: ['gitlab.test:10.0.0.1'],
      dns: ['10.0.0.53'],
      capAdd: ['NET_ADMIN'],
      capDrop: ['MKNOD'],
      shmSizeBytes: 64 * 1024 * 1024,
      memoryBytes: 1024 * 1024 * 1024,
      cpus: 0.5,
    };
    const build = hostConfig(docker, {
      binds: ['v:/builds'],
      network: 'net',
      privileged: true,
      limits: true,
    });
    expect(build).toMatchObject({
      Binds: ['v:/builds'],
      NetworkMode: 'net',
      Privileged: true,
      ExtraHosts: ['gitlab.test:10.0.0.1'],
      Dns: ['10.0.0.53'],
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['MKNOD'],
      ShmSize: 64 * 1024 * 1024,
      Memory: 1024 * 1024 * 1024,
      NanoCpus: 500_000_000,
    });
    const helper = hostConfig(docker, {
      binds: [],
      network: 'net',
      privileged: false,
      limits: false,
    });
    expect(helper.ShmSize).toBeUndefined();
    expect(helper.Memory).toBeUndefined();
    expect(helper.Privileged).toBe(false);
  });
});
