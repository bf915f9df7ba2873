import { describe, expect, it } from 'vitest';
import type { CompiledAwsPlugin, CompiledConnector } from '../../config/types.js';
import { awsOptionsFromConfig } from './aws-options.js';

const connector: CompiledConnector = {
  protocol: 'ssh',
  useStaticCredentials: false,
  keepaliveMs: 30_000,
  timeoutMs: 0,
  useExternalAddr: false,
};

const plugin = (o: Partial<CompiledAwsPlugin> = {}): CompiledAwsPlugin => ({
  groupName: 'g',
  maxAttempts: 5,
  tagGroup: false,
  interruptionQueueWaitSeconds: 20,
  spotRequestChecks: true,
  keyType: 'auto',
  imdsPollMs: 0,
  ...o,
});

describe('awsOptionsFromConfig', () => {
  it('splits the compiled plugin_config into provider and SDK client options', () => {
    const { provider, clients } = awsOptionsFromConfig(
      plugin({
        groupName: 'gitlab-runner-ao-group',
        region: 'us-east-2',
        profile: 'default',
        configFile: '/home/gitlab-runner/.aws/config',
        credentialsFile: '/home/gitlab-runner/.aws/credentials',
      }),
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

  it('takes spotrunner additions and the connector', () => {
    const { provider, clients } = awsOptionsFromConfig(
      plugin({
        tagGroup: true,
        interruptionQueueWaitSeconds: 5,
        keyType: 'rsa',
        maxAttempts: 8,
        endpoint: 'http://127.0.0.1:4566',
      }),
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

  it('keeps IMDS polling off by default and takes the metadata URL', () => {
    expect(awsOptionsFromConfig(plugin(), connector).provider).toMatchObject({
      imdsPollMs: 0,
      metadataUrl: 'http://169.254.169.254',
    });
    const { provider } = awsOptionsFromConfig(
      plugin({ imdsPollMs: 5_000, metadataUrl: 'http://127.0.0.1:9/imds/{instance_id}' }),
      connector,
    );
    expect(provider.imdsPollMs).toBe(5_000);
    expect(provider.metadataUrl).toBe('http://127.0.0.1:9/imds/{instance_id}');
  });
});
