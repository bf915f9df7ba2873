/**
 * Launch template versions as `image bake` changes them: CreateLaunchTemplateVersion (from a
 * source version, with a new ImageId) and ModifyLaunchTemplate (`SetDefaultVersion`), plus the
 * lookups RunInstances shares.
 */
import type { TemplateVersion } from './double-model.js';
import type { DoubleState } from './double-state.js';
import { STOCK_AMI, type Ec2Handler } from './ec2-api.js';
import { AwsFault, type QueryParams } from './query-params.js';

export function templateVersions(
  state: DoubleState,
  params: QueryParams,
  prefix = '',
): TemplateVersion[] {
  const id = params.get(`${prefix}LaunchTemplateId`);
  const name = params.get(`${prefix}LaunchTemplateName`);
  if (!id && !name)
    throw new AwsFault(
      'MissingParameter',
      'The request must contain the parameter LaunchTemplateId or LaunchTemplateName',
    );
  const versions = state.templates.filter((t) =>
    id ? t.templateId === id : t.templateName === name,
  );
  if (versions.length === 0)
    throw new AwsFault(
      id ? 'InvalidLaunchTemplateId.NotFound' : 'InvalidLaunchTemplateName.NotFoundException',
      `The specified launch template, with template ${id ? 'ID' : 'name'} ${id ?? name}, does not exist.`,
    );
  return versions;
}

export function pickVersion(
  versions: TemplateVersion[],
  wanted: string | undefined,
): TemplateVersion {
  const latest = Math.max(...versions.map((v) => v.number));
  const version =
    wanted === undefined || wanted === '$Default'
      ? versions.find((v) => v.isDefault)
      : versions.find((v) => v.number === (wanted === '$Latest' ? latest : Number(wanted)));
  if (!version)
    throw new AwsFault(
      'InvalidLaunchTemplateId.VersionNotFound',
      `Could not find launch template version ${wanted ?? '$Default'}`,
    );
  return version;
}

function templateVersionXml(v: TemplateVersion): Record<string, unknown> {
  return {
    launchTemplateId: v.templateId,
    launchTemplateName: v.templateName,
    versionNumber: v.number,
    defaultVersion: v.isDefault,
    createTime: new Date(Date.UTC(2026, 0, 1)),
    launchTemplateData: { imageId: v.imageId ?? STOCK_AMI },
  };
}

export const createLaunchTemplateVersion: Ec2Handler = ({ state }, params) => {
  const versions = templateVersions(state, params);
  const source = pickVersion(versions, params.get('SourceVersion') ?? '$Default');
  const imageId = params.get('LaunchTemplateData.ImageId');
  if (imageId !== undefined && !/^ami-[0-9a-z]{8,20}$/.test(imageId))
    throw new AwsFault('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
  const created: TemplateVersion = {
    ...source,
    number: Math.max(...versions.map((v) => v.number)) + 1,
    isDefault: false,
    ...(imageId ? { imageId } : {}),
  };
  state.templates.push(created);
  return { launchTemplateVersion: templateVersionXml(created) as never };
};

export const modifyLaunchTemplate: Ec2Handler = ({ state }, params) => {
  const versions = templateVersions(state, params);
  const wanted = params.get('SetDefaultVersion');
  if (wanted !== undefined) {
    const chosen = pickVersion(versions, wanted);
    for (const v of versions) v.isDefault = v === chosen;
  }
  const first = versions[0]!;
  return {
    launchTemplate: {
      launchTemplateId: first.templateId,
      launchTemplateName: first.templateName,
      defaultVersionNumber: versions.find((v) => v.isDefault)!.number,
      latestVersionNumber: Math.max(...versions.map((v) => v.number)),
    },
  };
};
