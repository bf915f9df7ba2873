/**
 * The launch template `spotrunner-<id>`: the AMI (an id, or the SSM public parameter for Amazon
 * Linux 2023 of the chosen architecture, resolved at each setup), IMDSv2 required, an encrypted
 * gp3 root volume with an initialization rate, the instance profile, and the user data. The
 * groups launch its `$Default` version; a change becomes a new version made the default.
 */
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  ModifyLaunchTemplateCommand,
  type RequestLaunchTemplateData,
  type ResponseLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { callAws } from '../providers/aws/aws-errors.js';
import { SETUP_TAG } from './setup-clients.js';
import {
  fieldChanges,
  readAws,
  requireOwnTag,
  tagRecord,
  upToDate,
  type SetupContext,
  type SetupStep,
  type StepPlan,
} from './setup-step.js';
import { encodeUserData, userDataScript } from './user-data.js';

export const ROOT_DEVICE = '/dev/xvda';

async function resolveImage(ctx: SetupContext): Promise<string> {
  const ami = ctx.spec.ami;
  if ('imageId' in ami) return ami.imageId;
  const answer = await callAws('ssm:GetParameter', () =>
    ctx.clients.ssm.send(new GetParameterCommand({ Name: ami.parameter })),
  );
  const id = answer.Parameter?.Value;
  if (!id?.startsWith('ami-')) throw new Error(`SSM parameter ${ami.parameter} holds no AMI id`);
  return id;
}

export function wantedTemplateData(ctx: SetupContext, imageId: string): RequestLaunchTemplateData {
  const s = ctx.spec;
  return {
    ImageId: imageId,
    IamInstanceProfile: { Name: s.instanceProfileName },
    MetadataOptions: {
      HttpTokens: 'required',
      HttpEndpoint: 'enabled',
      HttpPutResponseHopLimit: 2,
    },
    BlockDeviceMappings: [
      {
        DeviceName: ROOT_DEVICE,
        Ebs: {
          VolumeType: 'gp3',
          VolumeSize: s.volumeSizeGiB,
          Encrypted: true,
          DeleteOnTermination: true,
          ...(s.volumeInitializationRateMiBps > 0
            ? { VolumeInitializationRate: s.volumeInitializationRateMiBps }
            : {}),
        },
      },
    ],
    UserData: encodeUserData(userDataScript(s.userDataExtra)),
    ...(s.securityGroups.length ? { SecurityGroupIds: [...s.securityGroups] } : {}),
    ...(s.keyName ? { KeyName: s.keyName } : {}),
  };
}

/** The fields setup manages, in one comparable shape for a request or a described version. */
function comparable(
  d: RequestLaunchTemplateData | ResponseLaunchTemplateData,
): Record<string, unknown> {
  const ebs = d.BlockDeviceMappings?.find((b) => b.DeviceName === ROOT_DEVICE)?.Ebs;
  return {
    ImageId: d.ImageId,
    InstanceProfile: d.IamInstanceProfile?.Name,
    HttpTokens: d.MetadataOptions?.HttpTokens,
    HttpEndpoint: d.MetadataOptions?.HttpEndpoint,
    HopLimit: d.MetadataOptions?.HttpPutResponseHopLimit,
    RootVolume: ebs && {
      type: ebs.VolumeType,
      sizeGiB: ebs.VolumeSize,
      encrypted: ebs.Encrypted,
      deleteOnTermination: ebs.DeleteOnTermination,
      initRateMiBps: ebs.VolumeInitializationRate,
    },
    UserData: d.UserData,
    SecurityGroupIds: [...(d.SecurityGroupIds ?? [])].sort(),
    KeyName: d.KeyName,
  };
}

async function planTemplate(ctx: SetupContext): Promise<StepPlan> {
  const { ec2 } = ctx.clients;
  const name = ctx.spec.templateName;
  const resource = `launch template ${name}`;
  const data = wantedTemplateData(ctx, await resolveImage(ctx));
  const found = await readAws(
    'ec2:DescribeLaunchTemplates',
    ['InvalidLaunchTemplateName.NotFoundException', 'InvalidLaunchTemplateId.NotFound'],
    () => ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] })),
  );
  const template = found?.LaunchTemplates?.[0];
  if (!template) {
    return {
      resource,
      action: 'create',
      changes: [`create with ${JSON.stringify(comparable(data))}`],
      apply: async () => {
        await callAws('ec2:CreateLaunchTemplate', () =>
          ec2.send(
            new CreateLaunchTemplateCommand({
              LaunchTemplateName: name,
              LaunchTemplateData: data,
              TagSpecifications: [
                {
                  ResourceType: 'launch-template',
                  Tags: [{ Key: SETUP_TAG, Value: ctx.spec.setupId }],
                },
              ],
            }),
          ),
        );
      },
    };
  }
  requireOwnTag(resource, tagRecord(template.Tags), ctx.spec.setupId);
  const described = await callAws('ec2:DescribeLaunchTemplateVersions', () =>
    ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: template.LaunchTemplateId,
        Versions: ['$Default'],
      }),
    ),
  );
  const current = described.LaunchTemplateVersions?.[0]?.LaunchTemplateData ?? {};
  const changes = fieldChanges(comparable(current), comparable(data));
  if (changes.length === 0) return upToDate(resource);
  return {
    resource,
    action: 'update',
    changes: changes.map((c) => `new default version: ${c}`),
    apply: async () => {
      const made = await callAws('ec2:CreateLaunchTemplateVersion', () =>
        ec2.send(
          new CreateLaunchTemplateVersionCommand({
            LaunchTemplateId: template.LaunchTemplateId,
            LaunchTemplateData: data,
          }),
        ),
      );
      const version = String(made.LaunchTemplateVersion?.VersionNumber ?? '');
      await callAws('ec2:ModifyLaunchTemplate', () =>
        ec2.send(
          new ModifyLaunchTemplateCommand({
            LaunchTemplateId: template.LaunchTemplateId,
            DefaultVersion: version,
          }),
        ),
      );
    },
  };
}

export const templateStep: SetupStep = { plan: planTemplate };
