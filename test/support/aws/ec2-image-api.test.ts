/**
 * The double's image and launch-template actions refuse what EC2 refuses: a duplicate AMI name,
 * imaging an instance that is gone, deleting the snapshot of a registered AMI, a default version
 * that does not exist, an unknown template. Real SDK, as everywhere in this folder.
 */
import {
  CreateImageCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeLaunchTemplatesCommand,
  ModifyLaunchTemplateCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { startAwsFixture, type AwsFixture } from './aws-fixture.js';

let fx: AwsFixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function runOne(f: AwsFixture): Promise<string> {
  const out = await f.clients.ec2.send(
    new RunInstancesCommand({
      MinCount: 1,
      MaxCount: 1,
      LaunchTemplate: { LaunchTemplateName: 'g-template', Version: '$Default' },
    }),
  );
  const id = out.Instances![0]!.InstanceId!;
  await f.double.controls.settled();
  return id;
}

describe('AWS double: images and launch template versions', () => {
  it('makes images from running instances only, with unique names, and keeps snapshots of registered ones', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'g', max: 1 }] });
    const ec2 = fx.clients.ec2;
    const id = await runOne(fx);
    const { ImageId } = await ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'img-1' }));
    await expect(
      ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'img-1' })),
    ).rejects.toMatchObject({
      name: 'InvalidAMIName.Duplicate',
    });
    const first = await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }));
    expect(first.Images?.[0]?.State).toBe('pending');
    const second = await ec2.send(new DescribeImagesCommand({ ImageIds: [ImageId!] }));
    expect(second.Images?.[0]?.State).toBe('available');
    const snapshot = second.Images![0]!.BlockDeviceMappings![0]!.Ebs!.SnapshotId!;
    await expect(
      ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshot })),
    ).rejects.toMatchObject({
      name: 'InvalidSnapshot.InUse',
    });
    await ec2.send(new DeregisterImageCommand({ ImageId: ImageId! }));
    await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshot }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await expect(
      ec2.send(new CreateImageCommand({ InstanceId: id, Name: 'img-2' })),
    ).rejects.toMatchObject({
      name: 'IncorrectInstanceState',
    });
  });

  it('adds template versions and moves the default only to one that exists', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'g', max: 1 }] });
    const ec2 = fx.clients.ec2;
    const created = await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateName: 'g-template',
        SourceVersion: '1',
        LaunchTemplateData: { ImageId: 'ami-0abcdef0123456789' },
      }),
    );
    expect(created.LaunchTemplateVersion?.VersionNumber).toBe(2);
    await expect(
      ec2.send(
        new ModifyLaunchTemplateCommand({ LaunchTemplateName: 'g-template', DefaultVersion: '7' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidLaunchTemplateId.VersionNotFound' });
    await ec2.send(
      new ModifyLaunchTemplateCommand({ LaunchTemplateName: 'g-template', DefaultVersion: '2' }),
    );
    const described = await ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['g-template'] }),
    );
    expect(described.LaunchTemplates?.[0]).toMatchObject({
      DefaultVersionNumber: 2,
      LatestVersionNumber: 2,
    });
    await expect(
      ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['nope'] })),
    ).rejects.toMatchObject({ name: 'InvalidLaunchTemplateName.NotFoundException' });
  });
});
