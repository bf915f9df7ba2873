import {
  DescribeSpotPriceHistoryCommand,
  DescribeLaunchTemplateVersionsCommand,
} from '@aws-sdk/client-ec2';
import { TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { SendSSHPublicKeyCommand } from '@aws-sdk/client-ec2-instance-connect';
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { startAwsFixture, type AwsFixture } from './aws-fixture.js';
import { canonicalRequest, signatureFor, verifySigV4 } from './sigv4.js';

let fx: AwsFixture | undefined;

afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

describe('AWS double through the real SDK', () => {
  it('serves spot price history filtered by instance type', async () => {
    fx = await startAwsFixture({
      groups: [{ name: 'g', max: 2 }],
      spotPrices: [
        {
          instanceType: 'm7i.large',
          zone: 'us-east-1a',
          priceUsd: 0.0412,
          atMs: Date.UTC(2026, 0, 1),
        },
        {
          instanceType: 'c7i.large',
          zone: 'us-east-1b',
          priceUsd: 0.0301,
          atMs: Date.UTC(2026, 0, 2),
        },
      ],
    });
    const out = await fx.clients.ec2.send(
      new DescribeSpotPriceHistoryCommand({
        InstanceTypes: ['m7i.large'],
        ProductDescriptions: ['Linux/UNIX'],
      }),
    );
    expect(out.SpotPriceHistory).toEqual([
      {
        AvailabilityZone: 'us-east-1a',
        InstanceType: 'm7i.large',
        ProductDescription: 'Linux/UNIX',
        SpotPrice: '0.041200',
        Timestamp: new Date(Date.UTC(2026, 0, 1)),
      },
    ]);
  });

  it('resolves $Latest and $Default launch template versions', async () => {
    fx = await startAwsFixture({
      groups: [{ name: 'g', max: 2, launchTemplate: { id: 'lt-0abc', httpTokens: 'optional' } }],
    });
    fx.double.controls.updateGroup('g', { httpTokens: 'required' });
    const out = await fx.clients.ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: 'lt-0abc',
        Versions: ['1', '$Latest'],
      }),
    );
    expect(
      out.LaunchTemplateVersions?.map((v) => [
        v.VersionNumber,
        v.LaunchTemplateData?.MetadataOptions?.HttpTokens,
      ]),
    ).toEqual([
      [1, 'optional'],
      [2, 'required'],
    ]);
  });

  it('answers SQS errors in the JSON protocol with the query-compatible code', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'g', max: 2 }] });
    const err = await fx.clients.sqs
      .send(new ReceiveMessageCommand({ QueueUrl: `${fx.double.endpoint}/123456789012/nope` }))
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('QueueDoesNotExist');
  });

  it('round-trips an SQS message with a correct MD5 of the body', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'g', max: 2 }] });
    await fx.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: fx.double.queueUrl, MessageBody: 'héllo' }),
    );
    const out = await fx.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: fx.double.queueUrl, WaitTimeSeconds: 1 }),
    );
    expect(out.Messages?.map((m) => m.Body)).toEqual(['héllo']);
  });

  it('refuses a malformed Instance Connect key', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'g', max: 2, desired: 1 }] });
    await fx.double.controls.settled();
    const [instance] = fx.double.controls.instances('g');
    const err = await fx.clients.instanceConnect
      .send(
        new SendSSHPublicKeyCommand({
          InstanceId: instance!.id,
          InstanceOSUser: 'ec2-user',
          SSHPublicKey: 'not a key',
        }),
      )
      .catch((e: unknown) => e);
    expect((err as Error).name).toBe('InvalidArgsException');
  });

  it('refuses, as AWS does, to decrement desired capacity below MinSize', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'g', max: 2, min: 1, desired: 1 }] });
    await fx.double.controls.settled();
    const [instance] = fx.double.controls.instances('g');
    const terminate = (decrement: boolean): Promise<unknown> =>
      fx!.clients.autoscaling.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: instance!.id,
          ShouldDecrementDesiredCapacity: decrement,
        }),
      );
    const err = await terminate(true).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ValidationError');
    expect((err as Error).message).toBe(
      "Currently, desiredSize equals minSize (1). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.",
    );
    expect(fx.double.controls.instances('g')[0]?.lifecycleState).toBe('InService');
    // Without the decrement the group replaces the instance.
    await terminate(false);
    await fx.double.controls.settled();
    expect(fx.double.controls.group('g').desired).toBe(1);
    expect(fx.double.controls.instances('g').filter((i) => i.inGroup)).toHaveLength(1);
  });
});

describe('sigv4', () => {
  it('matches the AWS test-suite vector get-vanilla', () => {
    const request = {
      method: 'GET',
      url: '/',
      headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' },
      body: Buffer.alloc(0),
    };
    const canonical = canonicalRequest(request, ['host', 'x-amz-date']);
    const signature = signatureFor(
      'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      { date: '20150830', region: 'us-east-1', service: 'service' },
      '20150830T123600Z',
      canonical,
    );
    expect(signature).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
    const verdict = verifySigV4(
      {
        ...request,
        headers: {
          ...request.headers,
          authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
        },
      },
      new Map([['AKIDEXAMPLE', 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY']]),
    );
    expect(verdict).toEqual({
      ok: true,
      identity: { accessKeyId: 'AKIDEXAMPLE', region: 'us-east-1', service: 'service' },
    });
  });
});
