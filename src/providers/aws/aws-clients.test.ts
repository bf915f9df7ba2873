import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterEach, describe, expect, it } from 'vitest';
import { SpotrunnerError } from '../../platform/errors.js';
import { MemoryLogger } from '../../platform/logger.js';
import { SystemClock } from '../../platform/clock.js';
import {
  startAwsClients,
  type AwsClientsFixture,
  type AwsClientsFixtureOptions,
} from '../../../test/support/aws/aws-fixture.js';
import { regionFromConfigText, type AwsClients } from './aws-clients.js';
import { createAwsProvider } from './aws-provider.js';
import { defaultAwsProviderOptions } from './aws-options.js';

let fx: AwsClientsFixture | undefined;

afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function setup(
  profile: AwsClientsFixtureOptions['profile'] = {},
  maxAttempts = 3,
  requestTimeoutMs?: number,
): Promise<AwsClients> {
  fx = await startAwsClients({
    profile,
    maxAttempts,
    ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
  });
  return fx.clients;
}

function providerOn(c: AwsClients): ReturnType<typeof createAwsProvider> {
  return createAwsProvider(
    { clock: new SystemClock(), logger: new MemoryLogger(), clients: c },
    defaultAwsProviderOptions('runners'),
  );
}

describe('createAwsClients', () => {
  it('signs with the profile from credentials_file, and the double checks the signature', async () => {
    const c = await setup();
    const out = await c.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['runners'] }),
    );
    expect(out.AutoScalingGroups?.[0]?.MaxSize).toBe(3);
    expect(fx!.double.controls.requests[0]).toMatchObject({
      service: 'autoscaling',
      accessKeyId: 'AKIASPOTRUNNERTEST01',
    });
  });

  it('takes the region from config_file when plugin_config has none', async () => {
    const c = await setup({ region: 'eu-west-3' });
    expect(await c.ec2.config.region()).toBe('eu-west-3');
  });

  it('rejects a wrong secret as provider_auth (SignatureDoesNotMatch from the double)', async () => {
    const c = await setup({
      credentials: { accessKeyId: 'AKIASPOTRUNNERTEST01', secretAccessKey: 'wrong' },
    });
    const err = await providerOn(c)
      .init()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpotrunnerError);
    expect((err as SpotrunnerError).code).toBe('provider_auth');
    expect((err as Error).message).toContain('SignatureDoesNotMatch');
  });

  it('reports missing credentials as provider_auth with a clear message', async () => {
    const c = await setup({ credentials: null });
    const err = await providerOn(c)
      .init()
      .catch((e: unknown) => e);
    expect((err as SpotrunnerError).code).toBe('provider_auth');
    expect((err as Error).message).toMatch(/no AWS credentials found/);
  });

  it('retries throttling inside the SDK (maxAttempts) and then succeeds', async () => {
    const c = await setup({}, 3);
    fx!.double.controls.throttle(2);
    const info = await providerOn(c).init();
    expect(info.id).toBe('aws/us-east-1/runners');
    expect(
      fx!.double.controls.requests.filter((r) => r.action === 'DescribeAutoScalingGroups'),
    ).toHaveLength(3);
  });

  it('surfaces throttling as retryable provider_throttled once the SDK gives up', async () => {
    const c = await setup({}, 2);
    fx!.double.controls.throttle(5);
    const err = await providerOn(c)
      .init()
      .catch((e: unknown) => e);
    expect((err as SpotrunnerError).code).toBe('provider_throttled');
    expect((err as SpotrunnerError).retryable).toBe(true);
    expect(fx!.double.controls.requests).toHaveLength(2);
  });
});

describe('the AWS double', () => {
  it('gives up on an answer that never comes, after each attempt times out', async () => {
    const c = await setup({}, 2, 300);
    const release = fx!.double.controls.holdResponses('DescribeAutoScalingGroups');
    try {
      const err = await providerOn(c)
        .init()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SpotrunnerError);
      expect((err as Error).message).toMatch(/timed? ?out|timeout/i);
      const describes = fx!.double.controls.requests.filter(
        (r) => r.action === 'DescribeAutoScalingGroups',
      );
      expect(describes).toHaveLength(2);
    } finally {
      release();
    }
  });

  it('refuses unsigned requests with MissingAuthenticationToken', async () => {
    await setup();
    const res = await fetch(fx!.double.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeAutoScalingGroups&Version=2011-01-01',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(fx!.double.controls.requests).toHaveLength(0);
  });

  it('refuses a malformed Authorization header with IncompleteSignature', async () => {
    await setup();
    const res = await fetch(fx!.double.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'AWS4-HMAC-SHA256 Credential=x',
      },
      body: 'Action=DescribeInstances&Version=2016-11-15',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('<Code>IncompleteSignature</Code>');
  });
});

describe('regionFromConfigText', () => {
  it('reads the region of a named profile and of default', () => {
    const text = '[default]\nregion = us-west-2\n\n[profile ci]\n# comment\nregion=ap-south-1\n';
    expect(regionFromConfigText(text)).toBe('us-west-2');
    expect(regionFromConfigText(text, 'ci')).toBe('ap-south-1');
    expect(regionFromConfigText(text, 'other')).toBeUndefined();
  });
});
