/**
 * BakeCloud over the AWS SDK's EC2 client: DescribeLaunchTemplates/Versions, RunInstances,
 * DescribeInstances, TerminateInstances, CreateImage, DescribeImages, CreateTags,
 * DeregisterImage + DeleteSnapshot, CreateLaunchTemplateVersion + ModifyLaunchTemplate.
 */
import {
  CreateImageCommand,
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { Clock } from '../platform/clock.js';
import { SpotrunnerError, UserError, describeError } from '../platform/errors.js';
import type { BakeCloud, BuilderAddress, BuilderSpec, LaunchTemplateRef } from './bake-cloud.js';

export interface Ec2BakeCloudDeps {
  ec2: EC2Client;
  clock: Clock;
}

export interface Ec2BakeCloudOptions {
  /** Between DescribeInstances/DescribeImages polls (default 15 s). */
  pollMs?: number;
  /** Longest wait for the builder to run (default 10 min) and the AMI (default 60 min). */
  instanceTimeoutMs?: number;
  imageTimeoutMs?: number;
}

function tagList(tags: Readonly<Record<string, string>>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

async function poll<T>(
  clock: Clock,
  what: string,
  o: { pollMs: number; timeoutMs: number; signal: AbortSignal | undefined },
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = clock.now() + o.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (clock.now() >= deadline)
      throw new SpotrunnerError('timeout', `${what} did not finish within ${o.timeoutMs} ms`);
    await clock.sleep(o.pollMs, o.signal);
  }
}

export function createEc2BakeCloud(
  deps: Ec2BakeCloudDeps,
  options: Ec2BakeCloudOptions = {},
): BakeCloud {
  const { ec2, clock } = deps;
  const pollMs = options.pollMs ?? 15_000;
  return {
    async findLaunchTemplate(nameOrId, signal) {
      const byId = /^lt-[0-9a-f]+$/.test(nameOrId);
      let found;
      try {
        found = await ec2.send(
          new DescribeLaunchTemplatesCommand(
            byId ? { LaunchTemplateIds: [nameOrId] } : { LaunchTemplateNames: [nameOrId] },
          ),
          { abortSignal: signal },
        );
      } catch (err: unknown) {
        const name = (err as { name?: string }).name ?? '';
        if (name.startsWith('InvalidLaunchTemplate'))
          throw new UserError(`launch template ${nameOrId} does not exist`, 'not_found');
        throw err;
      }
      const t = found.LaunchTemplates?.[0];
      if (!t?.LaunchTemplateId || t.DefaultVersionNumber === undefined)
        throw new UserError(`launch template ${nameOrId} does not exist`, 'not_found');
      const versions = await ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: t.LaunchTemplateId,
          Versions: [String(t.DefaultVersionNumber)],
        }),
        { abortSignal: signal },
      );
      const data = versions.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
      return {
        id: t.LaunchTemplateId,
        name: t.LaunchTemplateName ?? nameOrId,
        defaultVersion: t.DefaultVersionNumber,
        ...(data?.ImageId ? { imageId: data.ImageId } : {}),
        ...(data?.InstanceType ? { instanceType: data.InstanceType } : {}),
      };
    },

    async launchBuilder(spec: BuilderSpec, signal) {
      const out = await ec2.send(
        new RunInstancesCommand({
          MinCount: 1,
          MaxCount: 1,
          LaunchTemplate: {
            LaunchTemplateId: spec.template.id,
            Version: String(spec.template.defaultVersion),
          },
          ImageId: spec.baseImageId,
          ...(spec.instanceType ? { InstanceType: spec.instanceType as never } : {}),
          ...(spec.subnetId ? { SubnetId: spec.subnetId } : {}),
          ...(spec.securityGroupIds?.length
            ? { SecurityGroupIds: [...spec.securityGroupIds] }
            : {}),
          ...(spec.keyName ? { KeyName: spec.keyName } : {}),
          // A builder that shuts itself down must not linger as a stopped instance.
          InstanceInitiatedShutdownBehavior: 'terminate',
          TagSpecifications: [{ ResourceType: 'instance', Tags: tagList(spec.tags) }],
        }),
        { abortSignal: signal },
      );
      const id = out.Instances?.[0]?.InstanceId;
      if (!id) throw new SpotrunnerError('provider', 'RunInstances returned no instance');
      return id;
    },

    async waitRunning(instanceId, signal): Promise<BuilderAddress> {
      return poll(
        clock,
        `builder ${instanceId}`,
        { pollMs, timeoutMs: options.instanceTimeoutMs ?? 600_000, signal },
        async () => {
          const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }), {
            abortSignal: signal,
          });
          const i = out.Reservations?.[0]?.Instances?.[0];
          const state = i?.State?.Name;
          if (state === 'terminated' || state === 'shutting-down' || state === 'stopped')
            throw new SpotrunnerError('provider', `builder ${instanceId} is ${state}`);
          if (state !== 'running' || !(i?.PrivateIpAddress || i?.PublicIpAddress)) return undefined;
          return {
            ...(i.PrivateIpAddress ? { privateIp: i.PrivateIpAddress } : {}),
            ...(i.PublicIpAddress ? { publicIp: i.PublicIpAddress } : {}),
          };
        },
      );
    },

    async terminate(instanceId) {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    },

    async createImage(instanceId, name, description) {
      const out = await ec2.send(
        new CreateImageCommand({ InstanceId: instanceId, Name: name, Description: description }),
      );
      if (!out.ImageId) throw new SpotrunnerError('provider', 'CreateImage returned no image id');
      return out.ImageId;
    },

    async waitImageAvailable(imageId, signal) {
      await poll(
        clock,
        `image ${imageId}`,
        { pollMs, timeoutMs: options.imageTimeoutMs ?? 3_600_000, signal },
        async () => {
          const out = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }), {
            abortSignal: signal,
          });
          const image = out.Images?.[0];
          if (image?.State === 'available') return true;
          if (image?.State === 'failed' || image?.State === 'error' || image?.State === 'invalid')
            throw new SpotrunnerError(
              'provider',
              `image ${imageId} is ${image.State}: ${image.StateReason?.Message ?? 'no reason given'}`,
            );
          return undefined;
        },
      );
    },

    async tagImage(imageId, tags) {
      await ec2.send(new CreateTagsCommand({ Resources: [imageId], Tags: tagList(tags) }));
    },

    async deregisterImage(imageId) {
      const out = await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
      const snapshots = (out.Images?.[0]?.BlockDeviceMappings ?? [])
        .map((m) => m.Ebs?.SnapshotId)
        .filter((s): s is string => s !== undefined);
      await ec2.send(new DeregisterImageCommand({ ImageId: imageId }));
      for (const snapshot of snapshots) {
        try {
          await ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshot }));
        } catch (err: unknown) {
          throw new SpotrunnerError(
            'provider',
            `snapshot ${snapshot} of ${imageId} was not deleted: ${describeError(err)}`,
          );
        }
      }
    },

    async setTemplateImage(template: LaunchTemplateRef, imageId) {
      const created = await ec2.send(
        new CreateLaunchTemplateVersionCommand({
          LaunchTemplateId: template.id,
          SourceVersion: String(template.defaultVersion),
          VersionDescription: `spotrunner image bake: ${imageId}`,
          LaunchTemplateData: { ImageId: imageId },
        }),
      );
      const version = created.LaunchTemplateVersion?.VersionNumber;
      if (version === undefined)
        throw new SpotrunnerError('provider', 'CreateLaunchTemplateVersion returned no version');
      await ec2.send(
        new ModifyLaunchTemplateCommand({
          LaunchTemplateId: template.id,
          DefaultVersion: String(version),
        }),
      );
      return version;
    },
  };
}
