/**
 * EC2 launch templates and Auto Scaling group management, as `aws setup` uses them:
 * CreateLaunchTemplate, DescribeLaunchTemplates, CreateLaunchTemplateVersion,
 * ModifyLaunchTemplate, DeleteLaunchTemplate, DescribeLaunchTemplateVersions (full data for the
 * templates made here); CreateAutoScalingGroup, UpdateAutoScalingGroup, SuspendProcesses,
 * DeleteAutoScalingGroup.
 */
import { randomUUID } from 'node:crypto';
import type { DoubleGroup } from './double-model.js';
import type { DoubleState } from './double-state.js';
import type { Ec2Context } from './ec2-api.js';
import { AwsFault, type QueryParams } from './query-params.js';
import { setupStore, type StoredTemplate } from './setup-store.js';
import type { XmlValue } from './xml.js';

const LIST_NAMES: Record<string, string> = {
  BlockDeviceMapping: 'blockDeviceMappingSet',
  SecurityGroupId: 'securityGroupIdSet',
};

/** `LaunchTemplateData.A.B.1.C=v` → `{ a: { b: [ { c: v } ] } }` in response names. */
export function paramTree(params: QueryParams, prefix: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params.toRecord())) {
    if (!key.startsWith(prefix)) continue;
    const parts = key.slice(prefix.length).split('.');
    let node: Record<string, unknown> = root;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const name = /^\d+$/.test(part)
        ? part
        : (LIST_NAMES[part] ?? part[0]!.toLowerCase() + part.slice(1));
      if (last) node[name] = value;
      else node = (node[name] ??= {}) as Record<string, unknown>;
    });
  }
  return listify(root) as Record<string, unknown>;
}

function listify(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node as Record<string, unknown>);
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k)))
    return entries.sort((a, b) => Number(a[0]) - Number(b[0])).map(([, v]) => listify(v));
  return Object.fromEntries(entries.map(([k, v]) => [k, listify(v)]));
}

function tagsOf(params: QueryParams, prefix: string): Record<string, string> {
  return Object.fromEntries(params.structs(prefix).map((t) => [t.Key ?? '', t.Value ?? '']));
}

function templateByRef(state: DoubleState, params: QueryParams): StoredTemplate {
  const id = params.get('LaunchTemplateId');
  const name = params.get('LaunchTemplateName');
  const t = [...setupStore(state).templates.values()].find((x) =>
    id ? x.id === id : x.name === name,
  );
  if (!t)
    throw new AwsFault(
      'InvalidLaunchTemplateId.NotFound',
      `The specified launch template, with template ID ${id ?? name}, does not exist.`,
    );
  return t;
}

function summary(t: StoredTemplate): XmlValue {
  return {
    launchTemplateId: t.id,
    launchTemplateName: t.name,
    defaultVersionNumber: t.defaultVersion,
    latestVersionNumber: Math.max(...t.versions.keys()),
    createTime: new Date(Date.UTC(2026, 0, 1)),
    tagSet: Object.entries(t.tags).map(([key, value]) => ({ key, value })),
  };
}

/** Keeps DoubleState's template list (used by verify and launches) in step. */
function syncVersions(state: DoubleState, t: StoredTemplate): void {
  for (let i = state.templates.length - 1; i >= 0; i--)
    if (state.templates[i]!.templateId === t.id) state.templates.splice(i, 1);
  for (const [n, data] of t.versions) {
    const tokens = (data.metadataOptions as { httpTokens?: string } | undefined)?.httpTokens;
    state.templates.push({
      templateId: t.id,
      templateName: t.name,
      number: n,
      isDefault: n === t.defaultVersion,
      httpTokens: tokens === 'required' ? 'required' : 'optional',
    });
  }
}

type Ec2Handler = (ctx: Ec2Context, params: QueryParams) => XmlValue;

const createLaunchTemplate: Ec2Handler = ({ state }, params) => {
  const name = params.required('LaunchTemplateName');
  const store = setupStore(state).templates;
  if (
    [...store.values()].some((t) => t.name === name) ||
    state.templates.some((t) => t.templateName === name)
  )
    throw new AwsFault(
      'InvalidLaunchTemplateName.AlreadyExistsException',
      `Launch template name already in use.`,
    );
  const t: StoredTemplate = {
    id: `lt-0${state.nextHex(16)}`,
    name,
    tags: tagsOf(params, 'TagSpecification.1.Tag'),
    defaultVersion: 1,
    versions: new Map([[1, paramTree(params, 'LaunchTemplateData.')]]),
  };
  store.set(t.id, t);
  syncVersions(state, t);
  return { launchTemplate: summary(t) };
};

const describeLaunchTemplates: Ec2Handler = ({ state }, params) => {
  const names = params.list('LaunchTemplateName');
  const found = [...setupStore(state).templates.values()].filter(
    (t) => names.length === 0 || names.includes(t.name),
  );
  if (names.length > 0 && found.length < names.length)
    throw new AwsFault(
      'InvalidLaunchTemplateName.NotFoundException',
      'At least one of the launch templates specified in the request does not exist.',
    );
  return { launchTemplates: found.map(summary) };
};

const createLaunchTemplateVersion: Ec2Handler = ({ state }, params) => {
  const t = templateByRef(state, params);
  const n = Math.max(...t.versions.keys()) + 1;
  t.versions.set(n, paramTree(params, 'LaunchTemplateData.'));
  syncVersions(state, t);
  return {
    launchTemplateVersion: {
      launchTemplateId: t.id,
      launchTemplateName: t.name,
      versionNumber: n,
      defaultVersion: false,
    },
  };
};

const modifyLaunchTemplate: Ec2Handler = ({ state }, params) => {
  const t = templateByRef(state, params);
  const wanted = Number(params.required('SetDefaultVersion'));
  if (!t.versions.has(wanted))
    throw new AwsFault(
      'InvalidLaunchTemplateId.VersionNotFound',
      `Could not find launch template version ${wanted}`,
    );
  t.defaultVersion = wanted;
  syncVersions(state, t);
  return { launchTemplate: summary(t) };
};

const deleteLaunchTemplate: Ec2Handler = ({ state }, params) => {
  const t = templateByRef(state, params);
  setupStore(state).templates.delete(t.id);
  for (let i = state.templates.length - 1; i >= 0; i--)
    if (state.templates[i]!.templateId === t.id) state.templates.splice(i, 1);
  return { launchTemplate: summary(t) };
};

/** Full data for templates made here; undefined hands the call to the double's own handler. */
export function describeSetupTemplateVersions(
  { state }: Ec2Context,
  params: QueryParams,
): XmlValue | undefined {
  const id = params.get('LaunchTemplateId');
  const name = params.get('LaunchTemplateName');
  const t = [...setupStore(state).templates.values()].find((x) =>
    id ? x.id === id : x.name === name,
  );
  if (!t) return undefined;
  const wanted = params.list('LaunchTemplateVersion');
  const latest = Math.max(...t.versions.keys());
  const chosen = [...t.versions].filter(
    ([n]) =>
      wanted.length === 0 ||
      wanted.some((w) =>
        w === '$Latest'
          ? n === latest
          : w === '$Default'
            ? n === t.defaultVersion
            : Number(w) === n,
      ),
  );
  return {
    launchTemplateVersionSet: chosen.map(([n, data]) => ({
      launchTemplateId: t.id,
      launchTemplateName: t.name,
      versionNumber: n,
      defaultVersion: n === t.defaultVersion,
      createTime: new Date(Date.UTC(2026, 0, 1)),
      launchTemplateData: data as XmlValue,
    })),
  };
}

export const SETUP_EC2_ACTIONS: Readonly<Record<string, Ec2Handler>> = {
  CreateLaunchTemplate: createLaunchTemplate,
  DescribeLaunchTemplates: describeLaunchTemplates,
  CreateLaunchTemplateVersion: createLaunchTemplateVersion,
  ModifyLaunchTemplate: modifyLaunchTemplate,
  DeleteLaunchTemplate: deleteLaunchTemplate,
};

type AsgHandler = (state: DoubleState, params: QueryParams) => XmlValue | undefined;

function applyGroupParams(state: DoubleState, g: DoubleGroup, p: QueryParams): void {
  const int = (n: string): number | undefined => p.int(n);
  g.minSize = int('MinSize') ?? g.minSize;
  g.maxSize = int('MaxSize') ?? g.maxSize;
  if (g.minSize > g.maxSize)
    throw new AwsFault('ValidationError', 'MinSize must not exceed MaxSize');
  g.protect = p.bool('NewInstancesProtectedFromScaleIn') ?? g.protect;
  g.capacityRebalance = p.bool('CapacityRebalance') ?? g.capacityRebalance;
  const m = 'MixedInstancesPolicy.';
  const ltName = p.get(`${m}LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName`);
  if (ltName !== undefined) {
    const t = state.templates.find((x) => x.templateName === ltName);
    if (!t)
      throw new AwsFault(
        'ValidationError',
        `The specified launch template, with template name ${ltName}, does not exist.`,
      );
    g.launchTemplate = {
      id: t.templateId,
      name: ltName,
      version: p.get(`${m}LaunchTemplate.LaunchTemplateSpecification.Version`) ?? '$Default',
    };
    g.mixed = true;
    const types = p.structs(`${m}LaunchTemplate.Overrides.member`).map((o) => o.InstanceType ?? '');
    if (types.length > 0) g.instanceTypes = types;
    const percent = p.int(`${m}InstancesDistribution.OnDemandPercentageAboveBaseCapacity`) ?? 100;
    if (percent !== 0 && percent !== 100)
      throw new AwsFault('ValidationError', 'the double serves 0 or 100 only');
    g.spot = percent === 0;
    g.onDemandBase = p.int(`${m}InstancesDistribution.OnDemandBaseCapacity`) ?? 0;
    g.spotAllocationStrategy =
      p.get(`${m}InstancesDistribution.SpotAllocationStrategy`) ?? 'price-capacity-optimized';
  }
  const subnets = p.get('VPCZoneIdentifier');
  const zones = p.list('AvailabilityZones.member');
  if (subnets) {
    g.vpcZoneIdentifier = subnets;
    g.zones = subnets.split(',').map((_, i) => `${state.region}${'abcdef'[i % 6]}`);
  } else if (zones.length > 0) g.zones = zones;
}

const createGroup: AsgHandler = (state, p) => {
  const name = p.required('AutoScalingGroupName');
  if (state.groups.has(name))
    throw new AwsFault(
      'AlreadyExists',
      `AutoScalingGroup by this name already exists - A group with the name ${name} already exists`,
    );
  if (!p.get('VPCZoneIdentifier') && p.list('AvailabilityZones.member').length === 0)
    throw new AwsFault(
      'ValidationError',
      'At least one Availability Zone or VPC Subnet is required.',
    );
  const g: DoubleGroup = {
    name,
    arn: `arn:aws:autoscaling:${state.region}:${state.accountId}:autoScalingGroup:${randomUUID()}:autoScalingGroupName/${name}`,
    minSize: 0,
    maxSize: 0,
    desired: p.int('DesiredCapacity') ?? 0,
    instanceTypes: ['m7i.large'],
    spot: true,
    mixed: false,
    onDemandBase: 0,
    protect: false,
    suspended: [],
    capacityRebalance: false,
    policies: [],
    zones: [],
    tags: [],
    architecture: 'x86_64',
    publicIps: false,
    launches: 0,
  };
  p.required('MinSize');
  p.required('MaxSize');
  applyGroupParams(state, g, p);
  if (!g.launchTemplate)
    throw new AwsFault('ValidationError', 'A launch template or launch configuration is required');
  g.tags = p.structs('Tags.member').map((t) => ({
    key: t.Key ?? '',
    value: t.Value ?? '',
    propagateAtLaunch: t.PropagateAtLaunch === 'true',
  }));
  state.groups.set(name, g);
  return undefined;
};

const updateGroup: AsgHandler = (state, p) => {
  applyGroupParams(state, state.group(p.required('AutoScalingGroupName')), p);
  return undefined;
};

const suspendProcesses: AsgHandler = (state, p) => {
  const g = state.group(p.required('AutoScalingGroupName'));
  for (const name of p.list('ScalingProcesses.member'))
    if (!g.suspended.includes(name)) g.suspended.push(name);
  return undefined;
};

const deleteGroup: AsgHandler = (state, p) => {
  const g = state.group(p.required('AutoScalingGroupName'));
  if (state.members(g.name).length > 0 && p.bool('ForceDelete') !== true)
    throw new AwsFault(
      'ResourceInUse',
      'You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.',
    );
  state.groups.delete(g.name);
  return undefined;
};

export const SETUP_AUTOSCALING_ACTIONS: Readonly<Record<string, AsgHandler>> = {
  CreateAutoScalingGroup: createGroup,
  UpdateAutoScalingGroup: updateGroup,
  SuspendProcesses: suspendProcesses,
  DeleteAutoScalingGroup: deleteGroup,
};
