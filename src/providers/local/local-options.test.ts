import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import { localOptionsFromConfig } from './local-options.js';

function problem(pluginConfig: Record<string, unknown>): string {
  try {
    localOptionsFromConfig(pluginConfig, {}, '/srv/ci');
  } catch (err: unknown) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).message;
  }
  throw new Error('expected a UserError');
}

describe('localOptionsFromConfig', () => {
  it('reads dir, boot_delay and max_instances, relative to the config directory', () => {
    expect(
      localOptionsFromConfig(
        { dir: 'instances', boot_delay: '1m30s', max_instances: 3, docker_socket: 'd.sock' },
        { keepaliveMs: 10_000, timeoutMs: 0 },
        '/srv/ci',
      ),
    ).toEqual({
      dir: '/srv/ci/instances',
      bootDelayMs: 90_000,
      maxInstances: 3,
      dockerSocket: '/srv/ci/d.sock',
      keepaliveMs: 10_000,
      timeoutMs: undefined,
      addressPrefix: undefined,
      firstHost: undefined,
      shell: undefined,
    });
  });

  it('defaults the directory to the system temp dir', () => {
    expect(localOptionsFromConfig({}, {}, '/srv/ci').dir).toBe(
      path.join(tmpdir(), 'spotrunner-local'),
    );
  });

  it('names the key at fault', () => {
    expect(problem({ boot_delay: 'soon' })).toMatch(/^plugin_config\.boot_delay: invalid duration/);
    expect(problem({ max_instances: 0 })).toMatch(/^plugin_config\.max_instances:/);
    expect(problem({ max_instances: 2.5 })).toMatch(/^plugin_config\.max_instances:/);
    expect(problem({ dirr: '/x' })).toBe('plugin_config: unknown key dirr for the local plugin');
  });
});
