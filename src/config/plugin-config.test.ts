import { describe, expect, it } from 'vitest';
import { ConfigError, type ConfigIssue } from '../platform/errors.js';
import { parseConfig } from './load-config.js';
import type { CompiledRunner } from './types.js';

/** A docker-autoscaler runner with `plugin`, then `tail` (plugin_config and the rest). */
function toml(plugin: string, tail: string): string {
  return [
    'concurrent = 4',
    '[[runners]]',
    'name = "r"',
    'url = "https://gitlab.example.com"',
    'token = "glrt-abc"',
    'executor = "docker-autoscaler"',
    '[runners.autoscaler]',
    `plugin = "${plugin}"`,
    tail,
  ].join('\n');
}

const load = (text: string): CompiledRunner =>
  parseConfig(text, '/etc/sr/config.toml', {}).config.runners[0]!;

function issuesOf(text: string): ConfigIssue[] {
  try {
    parseConfig(text, 'config.toml', {});
  } catch (err: unknown) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const where = (issues: ConfigIssue[]): [number | undefined, string | undefined][] =>
  issues.map((i) => [i.line, i.key]);

describe('plugin = "aws": plugin_config compiled when the file loads', () => {
  it('reads fleeting-plugin-aws keys and spotrunner additions', () => {
    const runner = load(
      toml(
        'aws',
        [
          '[runners.autoscaler.plugin_config]',
          'name = "asg"',
          'region = "us-east-2"',
          'profile = "default"',
          'config_file = "/home/ci/.aws/config"',
          'tag_group = true',
          'interruption_queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/spot"',
          'imds_poll = "5s"',
          'max_attempts = 8',
        ].join('\n'),
      ),
    );
    expect(runner.autoscaler!.provider).toEqual({
      kind: 'aws',
      aws: {
        groupName: 'asg',
        region: 'us-east-2',
        profile: 'default',
        configFile: '/home/ci/.aws/config',
        credentialsFile: undefined,
        endpoint: undefined,
        maxAttempts: 8,
        tagGroup: true,
        interruptionQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/spot',
        interruptionQueueWaitSeconds: 20,
        spotRequestChecks: true,
        keyType: 'auto',
        imdsPollMs: 5_000,
        metadataUrl: undefined,
      },
    });
  });

  it('rejects a misspelt key with its line and the key it probably meant', () => {
    const issues = issuesOf(
      toml('aws', '[runners.autoscaler.plugin_config]\nname = "asg"\nregoin = "us-east-1"\n'),
    );
    expect(issues).toEqual([
      {
        file: 'config.toml',
        line: 11,
        key: 'runners[0].autoscaler.plugin_config.regoin',
        message: 'unknown key "regoin" in plugin_config for the aws plugin: did you mean "region"?',
      },
    ]);
  });

  it('lists the keys it takes when an unknown key is no near miss', () => {
    const issues = issuesOf(
      toml('aws', '[runners.autoscaler.plugin_config]\nname = "asg"\nbanana = 1\n'),
    );
    expect(issues[0]!.message).toMatch(/^unknown key "banana" .*: it takes name, region, profile/);
  });

  it('names a missing group name, a bad region and a bad imds_poll at their lines', () => {
    expect(issuesOf(toml('aws', '[runners.autoscaler.plugin_config]\nregion = "x"\n'))).toEqual([
      {
        file: 'config.toml',
        line: 9,
        key: 'runners[0].autoscaler.plugin_config.name',
        message: 'required by the aws plugin: the Auto Scaling group name',
      },
      {
        file: 'config.toml',
        line: 10,
        key: 'runners[0].autoscaler.plugin_config.region',
        message: 'must be an AWS region like us-east-1, got "x"',
      },
    ]);
    const poll = issuesOf(
      toml('aws', '[runners.autoscaler.plugin_config]\nname = "g"\nimds_poll = "100ms"\n'),
    );
    expect(where(poll)).toEqual([[11, 'runners[0].autoscaler.plugin_config.imds_poll']]);
  });

  it('requires http(s) for endpoint and the SQS queue URL', () => {
    const issues = issuesOf(
      toml(
        'aws',
        '[runners.autoscaler.plugin_config]\nname = "g"\nendpoint = "ftp://127.0.0.1"\n' +
          'interruption_queue_url = "sqs-queue"\n',
      ),
    );
    expect(where(issues)).toEqual([
      [11, 'runners[0].autoscaler.plugin_config.endpoint'],
      [12, 'runners[0].autoscaler.plugin_config.interruption_queue_url'],
    ]);
    expect(issues[0]!.message).toBe('must be an http(s) URL, got "ftp://127.0.0.1"');
  });

  it('refuses WinRM and static credentials without a key, at the connector_config line', () => {
    const winrm = issuesOf(
      toml(
        'aws',
        '[runners.autoscaler.plugin_config]\nname = "g"\n' +
          '[runners.autoscaler.connector_config]\nprotocol = "winrm"\n',
      ),
    );
    expect(winrm).toEqual([
      {
        file: 'config.toml',
        line: 12,
        key: 'runners[0].autoscaler.connector_config.protocol',
        message: 'the aws provider connects over ssh only, got "winrm"',
      },
    ]);
    const keyless = issuesOf(
      toml(
        'aws',
        '[runners.autoscaler.plugin_config]\nname = "g"\n' +
          '[runners.autoscaler.connector_config]\nuse_static_credentials = true\n',
      ),
    );
    expect(keyless[0]).toMatchObject({
      line: 11,
      key: 'runners[0].autoscaler.connector_config.key_path',
    });
    expect(keyless[0]!.message).toMatch(/^required when use_static_credentials = true/);
  });

  it('validates the fallback group with the same schema', () => {
    const issues = issuesOf(
      toml(
        'aws',
        '[runners.autoscaler.plugin_config]\nname = "g"\n' +
          '[runners.spotrunner.fallback]\nplugin = "aws"\n' +
          '[runners.spotrunner.fallback.plugin_config]\nnam = "od"\n',
      ),
    );
    expect(where(issues)).toEqual([
      [13, 'runners[0].spotrunner.fallback.plugin_config.name'],
      [14, 'runners[0].spotrunner.fallback.plugin_config.nam'],
    ]);
    expect(issues[1]!.message).toMatch(/did you mean "name"\?/);
  });
});

describe('plugin = "local"', () => {
  it('reads its keys, resolving paths against the config directory', () => {
    const runner = load(
      toml(
        'local',
        '[runners.autoscaler.plugin_config]\ndir = "instances"\nboot_delay = "1m30s"\n' +
          'max_instances = 3\ndocker_socket = "d.sock"\n',
      ),
    );
    expect(runner.autoscaler!.provider).toEqual({
      kind: 'local',
      local: {
        dir: '/etc/sr/instances',
        bootDelayMs: 90_000,
        maxInstances: 3,
        addressPrefix: undefined,
        firstHost: undefined,
        shell: undefined,
        dockerSocket: '/etc/sr/d.sock',
        sshPort: undefined,
      },
    });
  });

  it('rejects boot_delay = "abc", a bad max_instances and a typo, each at its line', () => {
    const issues = issuesOf(
      toml(
        'local',
        '[runners.autoscaler.plugin_config]\nboot_delay = "abc"\nmax_instances = 2.5\ndirr = "/x"\n',
      ),
    );
    expect(where(issues)).toEqual([
      [10, 'runners[0].autoscaler.plugin_config.boot_delay'],
      [11, 'runners[0].autoscaler.plugin_config.max_instances'],
      [12, 'runners[0].autoscaler.plugin_config.dirr'],
    ]);
    expect(issues[0]!.message).toMatch(/^invalid duration "abc"/);
    expect(issues[2]!.message).toBe(
      'unknown key "dirr" in plugin_config for the local plugin: did you mean "dir"?',
    );
  });
});

describe('plugin = "static"', () => {
  const hosts = (body: string, connector = 'username = "ci"\nkey_path = "keys/ci"\n'): string =>
    toml('static', `[runners.autoscaler.connector_config]\n${connector}${body}`);

  it('reads hosts and resolves key paths against the config directory', () => {
    const runner = load(
      hosts(
        '[[runners.autoscaler.plugin_config.hosts]]\nname = "ws"\naddress = "192.168.1.20"\n' +
          'key_path = "keys/ws"\n[[runners.autoscaler.plugin_config.hosts]]\n' +
          'address = "192.168.1.21"\nport = 2222\nkey_path = "/abs/key"\n',
      ),
    );
    const p = runner.autoscaler!.provider;
    expect(p.kind === 'static' && p.static.hosts).toMatchObject([
      { name: 'ws', address: '192.168.1.20', keyPath: '/etc/sr/keys/ws' },
      { address: '192.168.1.21', port: 2222, keyPath: '/abs/key' },
    ]);
  });

  it('names the host and key at fault', () => {
    const issues = issuesOf(
      hosts(
        '[[runners.autoscaler.plugin_config.hosts]]\naddress = "h"\nusernme = "x"\n' +
          '[[runners.autoscaler.plugin_config.hosts]]\nname = "y"\n',
      ),
    );
    expect(where(issues)).toEqual([
      [14, 'runners[0].autoscaler.plugin_config.hosts[0].usernme'],
      [15, 'runners[0].autoscaler.plugin_config.hosts[1].address'],
    ]);
    expect(issues[0]!.message).toMatch(
      /unknown key "usernme" in plugin_config.hosts for the static plugin: did you mean "username"\?/,
    );
    expect(issues[1]!.message).toBe('required');
  });

  it('requires a host list, and refuses duplicate ids and hosts without credentials', () => {
    expect(where(issuesOf(hosts('')))).toEqual([[7, 'runners[0].autoscaler.plugin_config.hosts']]);
    const dup = issuesOf(
      hosts(
        '[[runners.autoscaler.plugin_config.hosts]]\naddress = "h"\n' +
          '[[runners.autoscaler.plugin_config.hosts]]\naddress = "h"\n',
      ),
    );
    expect(dup[0]).toMatchObject({ line: 14, key: 'runners[0].autoscaler.plugin_config.hosts[1]' });
    expect(dup[0]!.message).toBe('id "h" is already used by hosts[0]; set name');
    const bare = issuesOf(hosts('[[runners.autoscaler.plugin_config.hosts]]\naddress = "h"\n', ''));
    expect(bare.map((i) => i.message)).toEqual([
      'username is missing (here or in connector_config)',
      'no key_path or password (here or in connector_config) to log in with',
    ]);
  });
});

describe('plugin names', () => {
  it('rejects a plugin spotrunner cannot drive, with a hint for a near miss', () => {
    const issues = issuesOf(toml('googlecloud:latest', ''));
    expect(issues).toEqual([
      {
        file: 'config.toml',
        line: 8,
        key: 'runners[0].autoscaler.plugin',
        message:
          'plugin "googlecloud:latest" is not one spotrunner can drive: use aws, static, local or sim',
      },
    ]);
    expect(issuesOf(toml('fleeting-plugin-awss', ''))[0]!.message).toMatch(/did you mean "aws"\?/);
  });

  it('rejects an unknown fallback plugin', () => {
    const issues = issuesOf(toml('sim', '[runners.spotrunner.fallback]\nplugin = "azure"\n'));
    expect(where(issues)).toEqual([[10, 'runners[0].spotrunner.fallback.plugin']]);
  });
});
