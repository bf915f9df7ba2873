import { describe, expect, it } from 'vitest';
import { checkStaticHosts, staticOptionsFromConfig } from './static-options.js';

const connector = { protocol: 'ssh', username: 'gitlab-runner', keyPath: 'keys/default' };

describe('staticOptionsFromConfig', () => {
  it('takes the compiled hosts and resolves the connector key against the config directory', () => {
    const hosts = [{ name: 'ws', address: '192.168.1.20', keyPath: '/etc/spotrunner/keys/ws' }];
    const options = staticOptionsFromConfig({ hosts }, connector, '/etc/spotrunner');
    expect(options.hosts).toEqual(hosts);
    expect(options.connector?.keyPath).toBe('/etc/spotrunner/keys/default');
  });
});

describe('checkStaticHosts', () => {
  it('refuses duplicate ids, hosts without user or credentials and malformed host keys', () => {
    expect(checkStaticHosts([{ address: 'h' }, { address: 'h' }], connector)).toEqual([
      { index: 1, message: 'id "h" is already used by hosts[0]; set name' },
    ]);
    expect(checkStaticHosts([{ address: 'h' }], {}).map((p) => p.message)).toEqual([
      'username is missing (here or in connector_config)',
      'no key_path or password (here or in connector_config) to log in with',
    ]);
    expect(
      checkStaticHosts([{ address: 'h', hostKey: 'nonsense' }], connector)[0]?.message,
    ).toMatch(/^host_key:/);
  });
});
