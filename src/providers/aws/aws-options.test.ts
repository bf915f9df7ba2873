import { describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import type { CompiledConnector } from '../../config/types.js';
import { awsOptionsFromConfig } from './aws-options.js';

const connector: CompiledConnector = {
  protocol: 'ssh',
  useStaticCredentials: false,
  keepaliveMs: 30_000,
  timeoutMs: 0,
  useExternalAddr: false,
};

function errorOf(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof UserError) return err;
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('awsOptionsFromConfig', () => {
  it('accepts a fleeting-plugin-aws plugin_config as is', () => {
    const { provider, clients } = awsOptionsFromConfig(
      {
        name: 'gitlab-runner-ao-group',
        region: 'us-east-2',
        profile: 'default',
        config_file: '/home/gitlab-runner/.aws/config',
        credentials_file: '/home/gitlab-runner/.aws/credentials',
      },
      connector,
      { managerName: 'mgr', runnerName: 'docker' },
    );
    expect(provider).toMatchObject({
      groupName: 'gitlab-runner-ao-group',
      region: 'us-east-2',
      tagGroup: false,
      spotRequestChecks: true,
      managerName: 'mgr',
      instanceConnectTtlMs: 60_000,
      connector: { port: 22, useStaticCredentials: false },
    });
    expect(clients).toEqual({
      region: 'us-east-2',
      profile: 'default',
      configFile: '/home/gitlab-runner/.aws/config',
      credentialsFile: '/home/gitlab-runner/.aws/credentials',
      endpoint: undefined,
      maxAttempts: 5,
    });
  });

  it('takes spotrunner additions', () => {
    const { provider, clients } = awsOptionsFromConfig(
      {
        name: 'g',
        tag_group: true,
        interruption_queue_url: 'https://sqs.us-east-1.amazonaws.com/123456789012/spot',
        interruption_queue_wait_seconds: 5,
        key_type: 'rsa',
        max_attempts: 8,
        endpoint: 'http://127.0.0.1:4566',
      },
      { ...connector, useExternalAddr: true, port: 2222, username: 'ubuntu' },
    );
    expect(provider).toMatchObject({
      tagGroup: true,
      interruptionQueueWaitSeconds: 5,
      keyType: 'rsa',
      connector: { useExternalAddr: true, port: 2222, username: 'ubuntu' },
    });
    expect(clients).toMatchObject({ maxAttempts: 8, endpoint: 'http://127.0.0.1:4566' });
  });

  it('names the missing or wrong key', () => {
    expect(errorOf(() => awsOptionsFromConfig({}, connector)).message).toMatch(
      /^plugin_config\.name:/,
    );
    expect(
      errorOf(() => awsOptionsFromConfig({ name: 'g', region: 'virginia' }, connector)).message,
    ).toMatch(/plugin_config\.region: must be an AWS region/);
    expect(errorOf(() => awsOptionsFromConfig({ name: 'g', nmae: 'x' }, connector)).message).toBe(
      'plugin_config: unknown key nmae for the aws plugin',
    );
  });

  it('refuses WinRM and static credentials without a key', () => {
    expect(
      errorOf(() => awsOptionsFromConfig({ name: 'g' }, { ...connector, protocol: 'winrm' }))
        .message,
    ).toMatch(/ssh only/);
    expect(
      errorOf(() =>
        awsOptionsFromConfig({ name: 'g' }, { ...connector, useStaticCredentials: true }),
      ).message,
    ).toMatch(/^connector_config\.key_path: required/);
  });

  it('keeps IMDS polling off by default and reads imds_poll and metadata_url', () => {
    expect(awsOptionsFromConfig({ name: 'g' }, connector).provider).toMatchObject({
      imdsPollMs: 0,
      metadataUrl: 'http://169.254.169.254',
    });
    const { provider } = awsOptionsFromConfig(
      { name: 'g', imds_poll: '5s', metadata_url: 'http://127.0.0.1:9/imds/{instance_id}' },
      connector,
    );
    expect(provider.imdsPollMs).toBe(5_000);
    expect(provider.metadataUrl).toBe('http://127.0.0.1:9/imds/{instance_id}');
    expect(
      errorOf(() => awsOptionsFromConfig({ name: 'g', imds_poll: '100ms' }, connector)).message,
    ).toContain('plugin_config.imds_poll');
  });
});
