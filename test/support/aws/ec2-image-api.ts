/**
 * EC2 actions `image bake` uses, as the double serves them: RunInstances (a standalone instance on
 * the backing, from a launch template), CreateImage / DescribeImages / DeregisterImage /
 * DescribeSnapshots / DeleteSnapshot / CreateTags, CreateLaunchTemplateVersion and ModifyLaunchTemplate
 * (in ec2-template-versions.ts). As in EC2,
 * an image is `pending` when created (here: until it has been described once) and then
 * `available`; names are unique per account; a snapshot of a registered image cannot be deleted.
 */
import type { DoubleInstance } from './double-model.js';
import type { DoubleState } from './double-state.js';
import { describeLaunchTemplates } from './ec2-describe-launch-templates.js';
import { instanceXml, STOCK_AMI, type Ec2Handler } from './ec2-api.js';
import { AwsFault } from './query-params.js';
import {
  createLaunchTemplateVersion,
  modifyLaunchTemplate,
  pickVersion,
  templateVersions,
} from './ec2-template-versions.js';

export interface DoubleImage {
  id: string;
  name: string;
  description?: string;
  instanceId: string;
  snapshotId: string;
  state: 'pending' | 'available' | 'deregistered';
  describedPending: number;
  createdAtMs: number;
  tags: Record<string, string>;
}

interface ImageStore {
  images: Map<string, DoubleImage>;
  snapshots: Set<string>;
}

const stores = new WeakMap<DoubleState, ImageStore>();

/** The images and snapshots of one double (for tests that look inside). */
export function imageStore(state: DoubleState): ImageStore {
  let store = stores.get(state);
  if (!store) {
    store = { images: new Map(), snapshots: new Set() };
    stores.set(state, store);
  }
  return store;
}

function checkAmiId(id: string): void {
  if (!/^ami-[0-9a-z]{8,20}$/.test(id))
    throw new AwsFault('InvalidAMIID.Malformed', `Invalid id: "${id}" (expecting "ami-...")`);
}

const runInstances: Ec2Handler = ({ state }, params) => {
  const min = params.int('MinCount');
  const max = params.int('MaxCount');
  if (min === undefined || max === undefined)
    throw new AwsFault(
      'MissingParameter',
      'The request must contain the parameter MinCount and MaxCount',
    );
  if (min < 1 || max < min)
    throw new AwsFault('InvalidParameterValue', 'MinCount must be ≥ 1 and MaxCount ≥ MinCount');
  const hasTemplate =
    params.get('LaunchTemplate.LaunchTemplateId') ??
    params.get('LaunchTemplate.LaunchTemplateName');
  const version = hasTemplate
    ? pickVersion(
        templateVersions(state, params, 'LaunchTemplate.'),
        params.get('LaunchTemplate.Version'),
      )
    : undefined;
  const imageId = params.get('ImageId') ?? version?.imageId ?? (version ? STOCK_AMI : undefined);
  if (!imageId)
    throw new AwsFault('MissingParameter', 'The request must contain the parameter ImageId');
  checkAmiId(imageId);
  const tags: Record<string, string> = {};
  for (const spec of params.structs('TagSpecification')) {
    if (spec['ResourceType'] !== 'instance') continue;
    for (let k = 1; spec[`Tag.${k}.Key`] !== undefined; k++)
      tags[spec[`Tag.${k}.Key`]!] = spec[`Tag.${k}.Value`] ?? '';
  }
  const now = state.clock.now();
  const launched: DoubleInstance[] = [];
  for (let n = 0; n < min; n++) {
    const instance: DoubleInstance = {
      id: `i-0${state.nextHex(16)}`,
      group: '',
      lifecycleState: 'Pending',
      ec2State: 'pending',
      backingReady: false,
      backingGone: false,
      launchedAtMs: now,
      readyAtMs: now,
      instanceType: params.get('InstanceType') ?? 'm7i.large',
      zone: `${state.region}a`,
      lifecycle: 'on-demand',
      architecture: 'x86_64',
      imageId,
      tags: { ...tags },
      imds: {},
      inGroup: false,
    };
    state.instances.set(instance.id, instance);
    state.launcher.launch(instance);
    launched.push(instance);
  }
  return {
    reservationId: `r-0${state.nextHex(16)}`,
    ownerId: state.accountId,
    instancesSet: launched.map(instanceXml),
  };
};

const AMI_NAME = /^[A-Za-z0-9()[\]./\-'@_ ]{3,128}$/;

const createImage: Ec2Handler = ({ state }, params) => {
  const instanceId = params.required('InstanceId');
  const name = params.required('Name');
  const instance = state.instance(instanceId);
  if (!instance)
    throw new AwsFault(
      'InvalidInstanceID.NotFound',
      `The instance ID '${instanceId}' does not exist`,
    );
  if (instance.ec2State !== 'running')
    throw new AwsFault(
      'IncorrectInstanceState',
      `The instance '${instanceId}' is not in a state from which it can be imaged.`,
    );
  if (!AMI_NAME.test(name))
    throw new AwsFault(
      'InvalidAMIName.Malformed',
      `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'`,
    );
  const store = imageStore(state);
  if ([...store.images.values()].some((i) => i.name === name && i.state !== 'deregistered'))
    throw new AwsFault('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI`);
  const image: DoubleImage = {
    id: `ami-0${state.nextHex(16)}`,
    name,
    ...(params.get('Description') ? { description: params.get('Description')! } : {}),
    instanceId,
    snapshotId: `snap-0${state.nextHex(16)}`,
    state: 'pending',
    describedPending: 0,
    createdAtMs: state.clock.now(),
    tags: {},
  };
  store.images.set(image.id, image);
  store.snapshots.add(image.snapshotId);
  return { imageId: image.id };
};

function imageXml(state: DoubleState, image: DoubleImage): Record<string, unknown> {
  return {
    imageId: image.id,
    imageLocation: `${state.accountId}/${image.name}`,
    imageState: image.state,
    imageOwnerId: state.accountId,
    creationDate: new Date(image.createdAtMs),
    isPublic: false,
    architecture: 'x86_64',
    imageType: 'machine',
    name: image.name,
    description: image.description,
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    blockDeviceMapping: [
      {
        deviceName: '/dev/xvda',
        ebs: {
          snapshotId: image.snapshotId,
          volumeSize: 8,
          deleteOnTermination: true,
          volumeType: 'gp3',
        },
      },
    ],
    virtualizationType: 'hvm',
    tagSet: Object.entries(image.tags).map(([key, value]) => ({ key, value })),
  };
}

const describeImages: Ec2Handler = ({ state }, params) => {
  const ids = params.list('ImageId');
  ids.forEach(checkAmiId);
  const store = imageStore(state);
  const names = params.filters().get('name');
  const chosen = [...store.images.values()].filter(
    (i) =>
      i.state !== 'deregistered' &&
      (ids.length === 0 || ids.includes(i.id)) &&
      (!names || names.includes(i.name)),
  );
  const unknown = ids.find((id) => !store.images.has(id) && id !== STOCK_AMI);
  if (unknown)
    throw new AwsFault('InvalidAMIID.NotFound', `The image id '[${unknown}]' does not exist`);
  const out = chosen.map((i) => imageXml(state, i));
  // A pending image becomes available once it has been seen pending (a snapshot takes a while).
  for (const i of chosen)
    if (i.state === 'pending' && ++i.describedPending >= 1) i.state = 'available';
  return { imagesSet: out as never };
};

const deregisterImage: Ec2Handler = ({ state }, params) => {
  const id = params.required('ImageId');
  checkAmiId(id);
  const image = imageStore(state).images.get(id);
  if (!image || image.state === 'deregistered')
    throw new AwsFault('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`);
  image.state = 'deregistered';
  return { return: true };
};

const deleteSnapshot: Ec2Handler = ({ state }, params) => {
  const id = params.required('SnapshotId');
  const store = imageStore(state);
  if (!store.snapshots.has(id))
    throw new AwsFault('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
  const user = [...store.images.values()].find(
    (i) => i.snapshotId === id && i.state !== 'deregistered',
  );
  if (user)
    throw new AwsFault(
      'InvalidSnapshot.InUse',
      `The snapshot ${id} is currently in use by ${user.id}`,
    );
  store.snapshots.delete(id);
  return { return: true };
};

const describeSnapshots: Ec2Handler = ({ state }, params) => {
  const ids = params.list('SnapshotId');
  const store = imageStore(state);
  const unknown = ids.find((id) => !store.snapshots.has(id));
  if (unknown)
    throw new AwsFault('InvalidSnapshot.NotFound', `The snapshot '${unknown}' does not exist.`);
  const chosen = ids.length > 0 ? ids : [...store.snapshots];
  return {
    snapshotSet: chosen.map((id) => ({
      snapshotId: id,
      status: 'completed',
      volumeSize: 8,
      ownerId: state.accountId,
    })),
  };
};

const createTags: Ec2Handler = ({ state }, params) => {
  const resources = params.list('ResourceId');
  const tags = params.structs('Tag');
  if (resources.length === 0)
    throw new AwsFault('MissingParameter', 'The request must contain the parameter ResourceId');
  const store = imageStore(state);
  for (const id of resources) {
    const target = id.startsWith('ami-') ? store.images.get(id)?.tags : state.instance(id)?.tags;
    if (!target)
      throw new AwsFault(
        id.startsWith('ami-') ? 'InvalidAMIID.NotFound' : 'InvalidID',
        `The ID '${id}' is not valid`,
      );
  }
  for (const id of resources) {
    const target = id.startsWith('ami-') ? store.images.get(id)!.tags : state.instance(id)!.tags;
    for (const t of tags) target[t['Key'] ?? ''] = t['Value'] ?? '';
  }
  return { return: true };
};

export const EC2_IMAGE_ACTIONS: Readonly<Record<string, Ec2Handler>> = {
  RunInstances: runInstances,
  CreateImage: createImage,
  DescribeImages: describeImages,
  DeregisterImage: deregisterImage,
  DeleteSnapshot: deleteSnapshot,
  DescribeSnapshots: describeSnapshots,
  CreateTags: createTags,
  CreateLaunchTemplateVersion: createLaunchTemplateVersion,
  ModifyLaunchTemplate: modifyLaunchTemplate,
  DescribeLaunchTemplates: describeLaunchTemplates,
};
