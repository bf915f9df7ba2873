import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localOptionsFromConfig } from './local-options.js';

describe('localOptionsFromConfig', () => {
  it('takes the compiled plugin_config and the connector timings', () => {
    expect(
      localOptionsFromConfig(
        { dir: '/srv/ci/instances', bootDelayMs: 90_000, maxInstances: 3, dockerSocket: '/d.sock' },
        { keepaliveMs: 10_000, timeoutMs: 0 },
      ),
    ).toEqual({
      dir: '/srv/ci/instances',
      bootDelayMs: 90_000,
      maxInstances: 3,
      dockerSocket: '/d.sock',
      keepaliveMs: 10_000,
      timeoutMs: undefined,
      addressPrefix: undefined,
      firstHost: undefined,
      shell: undefined,
      sshPort: undefined,
    });
  });

  it('defaults the directory to the system temp dir', () => {
    expect(localOptionsFromConfig({}, {}).dir).toBe(path.join(tmpdir(), 'spotrunner-local'));
  });
});
