import { describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import { staticOptionsFromConfig } from './static-options.js';

const connector = { protocol: 'ssh', username: 'gitlab-runner', keyPath: 'keys/default' };

function problem(pluginConfig: Record<string, unknown>, c: object = connector): string {
  try {
    staticOptionsFromConfig(pluginConfig, c, '/etc/spotrunner');
  } catch (err: unknown) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).message;
  }
  throw new Error('expected a UserError');
}

describe('staticOptionsFromConfig', () => {
  it('reads hosts and resolves key paths against the config directory', () => {
    const options = staticOptionsFromConfig(
      {
        hosts: [
          {
            name: 'ws',
            address: '192.168.1.20',
            key_path: 'keys/ws',
            host_key: 'SHA256:' + 'A'.repeat(43),
          },
          { address: '192.168.1.21', port: 2222, username: 'ci', key_path: '/abs/key' },
        ],
      },
      connector,
      '/etc/spotrunner',
    );
    expect(options.hosts).toEqual([
      {
        name: 'ws',
        address: '192.168.1.20',
        keyPath: '/etc/spotrunner/keys/ws',
        hostKey: 'SHA256:' + 'A'.repeat(43),
      },
      { address: '192.168.1.21', port: 2222, username: 'ci', keyPath: '/abs/key' },
    ]);
    expect(options.connector?.keyPath).toBe('/etc/spotrunner/keys/default');
  });

  it('names the missing host list, a missing address and an unknown key', () => {
    expect(problem({})).toContain('plugin_config.hosts:');
    expect(problem({ hosts: [] })).toContain('plugin_config.hosts: list at least one host');
    expect(problem({ hosts: [{ name: 'x' }] })).toContain('plugin_config.hosts[0].address');
    expect(problem({ hosts: [{ address: 'h', user: 'x' }] })).toMatch(
      /plugin_config\.hosts\[0\]: unknown key user/,
    );
    expect(problem({ hosts: [{ address: 'h' }], extra: 1 })).toContain('unknown key extra');
  });

  it('refuses a malformed host_key, duplicate ids and hosts without credentials', () => {
    expect(problem({ hosts: [{ address: 'h', host_key: 'nonsense' }] })).toContain(
      'plugin_config.hosts[0].host_key',
    );
    expect(problem({ hosts: [{ address: 'h' }, { address: 'h' }] })).toContain(
      'plugin_config.hosts[1]: id "h" is already used by hosts[0]',
    );
    expect(problem({ hosts: [{ address: 'h' }] }, { protocol: 'ssh' })).toMatch(
      /username is missing[\s\S]*no key_path or password/,
    );
  });

  it('refuses a connector protocol other than ssh', () => {
    expect(problem({ hosts: [{ address: 'h' }] }, { ...connector, protocol: 'winrm' })).toContain(
      'connector_config.protocol',
    );
  });
});
