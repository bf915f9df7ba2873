/**
 * EC2 DescribeLaunchTemplates as the double serves it (by id or by name; every template without
 * either). Kept in its own file so it can be merged with another copy of the same handler.
 */
import type { Ec2Handler } from './ec2-api.js';
import { AwsFault } from './query-params.js';

export const describeLaunchTemplates: Ec2Handler = ({ state }, params) => {
  const ids = params.list('LaunchTemplateId');
  const names = params.list('LaunchTemplateName');
  const byId = new Map<string, { id: string; name: string }>();
  for (const v of state.templates)
    byId.set(v.templateId, { id: v.templateId, name: v.templateName });
  const all = [...byId.values()];
  for (const id of ids)
    if (!byId.has(id))
      throw new AwsFault(
        'InvalidLaunchTemplateId.NotFound',
        `The specified launch template, with template ID ${id}, does not exist.`,
      );
  for (const name of names)
    if (!all.some((t) => t.name === name))
      throw new AwsFault(
        'InvalidLaunchTemplateName.NotFoundException',
        'At least one of the launch templates specified in the request does not exist.',
      );
  const chosen = all.filter(
    (t) => (ids.length === 0 && names.length === 0) || ids.includes(t.id) || names.includes(t.name),
  );
  return {
    launchTemplates: chosen.map((t) => {
      const versions = state.templates.filter((v) => v.templateId === t.id);
      return {
        launchTemplateId: t.id,
        launchTemplateName: t.name,
        createTime: new Date(Date.UTC(2026, 0, 1)),
        createdBy: `arn:aws:iam::${state.accountId}:root`,
        defaultVersionNumber: versions.find((v) => v.isDefault)?.number ?? 1,
        latestVersionNumber: Math.max(...versions.map((v) => v.number)),
      };
    }),
  };
};
