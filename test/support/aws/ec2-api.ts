/**
 * EC2 (ec2 query protocol, 2016-11-15) as the double serves it: DescribeInstances (filters,
 * pagination), TerminateInstances, DescribeSpotInstanceRequests, DescribeLaunchTemplateVersions and
 * DescribeSpotPriceHistory. Handlers return the response's children (lowerCamel names, `item` lists).
 */
import type { DoubleInstance } from './double-model.js';
import type { DoubleState } from './double-state.js';
import { AwsFault, type QueryParams } from './query-params.js';
import type { XmlValue } from './xml.js';

export interface SpotPricePoint {
  instanceType: string;
  zone: string;
  priceUsd: number;
  productDescription?: string;
  atMs: number;
}

export interface Ec2Context {
  state: DoubleState;
  spotPrices: readonly SpotPricePoint[];
}

/** The AMI of launch templates and instances that name none. */
export const STOCK_AMI = 'ami-0spotrunner000001';

export type Ec2Handler = Handler;
type Handler = (ctx: Ec2Context, params: QueryParams) => XmlValue;

const EC2_STATE_CODES = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48 } as const;

function matchesFilter(i: DoubleInstance, name: string, values: readonly string[]): boolean {
  if (name === 'instance-id') return values.includes(i.id);
  if (name === 'instance-state-name') return values.includes(i.ec2State);
  if (name === 'instance-lifecycle') return values.includes(i.lifecycle === 'spot' ? 'spot' : '');
  if (name === 'availability-zone') return values.includes(i.zone);
  if (name === 'tag-key') return values.some((v) => v in i.tags);
  if (name.startsWith('tag:')) {
    const value = i.tags[name.slice(4)];
    return value !== undefined && values.includes(value);
  }
  throw new AwsFault('InvalidParameterValue', `The filter '${name}' is invalid`);
}

export function instanceXml(i: DoubleInstance): XmlValue {
  return {
    instanceId: i.id,
    imageId: i.imageId ?? STOCK_AMI,
    instanceState: { code: EC2_STATE_CODES[i.ec2State], name: i.ec2State },
    privateDnsName: i.privateIp ? `ip-${i.privateIp.replace(/\./g, '-')}.ec2.internal` : undefined,
    instanceType: i.instanceType,
    launchTime: new Date(i.launchedAtMs),
    placement: { availabilityZone: i.zone, tenancy: 'default' },
    platform: i.platform,
    privateIpAddress: i.privateIp,
    ipAddress: i.publicIp,
    architecture: i.architecture,
    instanceLifecycle: i.lifecycle === 'spot' ? 'spot' : undefined,
    spotInstanceRequestId: i.spotRequestId,
    tagSet: Object.entries(i.tags).map(([key, value]) => ({ key, value })),
    metadataOptions: { state: 'applied', httpTokens: 'required', httpEndpoint: 'enabled' },
  };
}

function page<T>(items: readonly T[], params: QueryParams): { items: T[]; nextToken?: string } {
  const max = params.int('MaxResults');
  const token = params.get('NextToken');
  const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw new AwsFault('InvalidParameterValue', 'Invalid NextToken');
  if (max === undefined) return { items: items.slice(start) };
  if (max < 5 || max > 1000)
    throw new AwsFault('InvalidParameterValue', 'MaxResults must be between 5 and 1000');
  const end = start + max;
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined,
  };
}

const describeInstances: Handler = ({ state }, params) => {
  const ids = params.list('InstanceId');
  const filters = params.filters();
  for (const id of ids) {
    if (!state.instance(id))
      throw new AwsFault('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
  }
  const matching = [...state.instances.values()].filter(
    (i) =>
      (ids.length === 0 || ids.includes(i.id)) &&
      [...filters].every(([n, v]) => matchesFilter(i, n, v)),
  );
  const { items, nextToken } = page(matching, params);
  return {
    reservationSet: items.map((i) => ({
      reservationId: `r-${i.id.slice(2)}`,
      ownerId: state.accountId,
      instancesSet: [instanceXml(i)],
    })),
    nextToken,
  };
};

const describeSpotInstanceRequests: Handler = ({ state }, params) => {
  const ids = params.list('SpotInstanceRequestId');
  const filters = params.filters();
  const wantedInstances = filters.get('instance-id');
  const requests = [...state.instances.values()].filter(
    (i) =>
      i.spotRequestId !== undefined &&
      (ids.length === 0 || ids.includes(i.spotRequestId)) &&
      (wantedInstances === undefined || wantedInstances.includes(i.id)),
  );
  const { items, nextToken } = page(requests, params);
  return {
    spotInstanceRequestSet: items.map((i) => ({
      spotInstanceRequestId: i.spotRequestId,
      instanceId: i.id,
      state: i.spotStatus?.code.startsWith('instance-') ? 'closed' : 'active',
      status: i.spotStatus
        ? {
            code: i.spotStatus.code,
            updateTime: new Date(i.spotStatus.updatedAtMs),
            message: i.spotStatus.message,
          }
        : undefined,
      type: 'one-time',
      launchedAvailabilityZone: i.zone,
      createTime: new Date(i.launchedAtMs),
      productDescription: 'Linux/UNIX',
      instanceInterruptionBehavior: 'terminate',
    })),
    nextToken,
  };
};

const describeLaunchTemplateVersions: Handler = ({ state }, params) => {
  const id = params.get('LaunchTemplateId');
  const name = params.get('LaunchTemplateName');
  const versions = state.templates.filter((t) =>
    id ? t.templateId === id : t.templateName === name,
  );
  if (versions.length === 0) {
    throw new AwsFault(
      'InvalidLaunchTemplateId.NotFound',
      `The specified launch template, with template ID ${id ?? name}, does not exist.`,
    );
  }
  const wanted = params.list('LaunchTemplateVersion');
  const latest = Math.max(...versions.map((v) => v.number));
  const chosen = versions.filter(
    (v) =>
      wanted.length === 0 ||
      wanted.some((w) =>
        w === '$Latest'
          ? v.number === latest
          : w === '$Default'
            ? v.isDefault
            : Number(w) === v.number,
      ),
  );
  return {
    launchTemplateVersionSet: chosen.map((v) => ({
      launchTemplateId: v.templateId,
      launchTemplateName: v.templateName,
      versionNumber: v.number,
      defaultVersion: v.isDefault,
      createTime: new Date(Date.UTC(2026, 0, 1)),
      launchTemplateData: {
        imageId: v.imageId ?? STOCK_AMI,
        instanceType: v.instanceType,
        metadataOptions: {
          httpTokens: v.httpTokens,
          httpEndpoint: 'enabled',
          httpPutResponseHopLimit: 2,
        },
      },
    })),
  };
};

/** The product descriptions DescribeSpotPriceHistory accepts (others: InvalidParameterValue). */
const SPOT_PRODUCTS = new Set([
  'Linux/UNIX',
  'Linux/UNIX (Amazon VPC)',
  'SUSE Linux',
  'SUSE Linux (Amazon VPC)',
  'Windows',
  'Windows (Amazon VPC)',
  'Red Hat Enterprise Linux',
  'Red Hat Enterprise Linux (Amazon VPC)',
]);

const describeSpotPriceHistory: Handler = ({ spotPrices }, params) => {
  const types = params.list('InstanceType');
  const products = params.list('ProductDescription');
  const zone = params.get('AvailabilityZone');
  for (const p of products) {
    if (!SPOT_PRODUCTS.has(p))
      throw new AwsFault('InvalidParameterValue', `Invalid product description: ${p}`);
  }
  const start = params.get('StartTime');
  const startMs = start ? Date.parse(start) : Number.NEGATIVE_INFINITY;
  if (Number.isNaN(startMs))
    throw new AwsFault('InvalidParameterValue', `Invalid value '${start}' for StartTime`);
  const points = spotPrices.filter(
    (p) =>
      (types.length === 0 || types.includes(p.instanceType)) &&
      (products.length === 0 || products.includes(p.productDescription ?? 'Linux/UNIX')) &&
      (zone === undefined || p.zone === zone) &&
      p.atMs >= startMs,
  );
  const { items, nextToken } = page(points, params);
  return {
    spotPriceHistorySet: items.map((p) => ({
      availabilityZone: p.zone,
      instanceType: p.instanceType,
      productDescription: p.productDescription ?? 'Linux/UNIX',
      spotPrice: p.priceUsd.toFixed(6),
      timestamp: new Date(p.atMs),
    })),
    nextToken,
  };
};

/** Ends instances outright; one in a group leaves it (the group would launch a replacement). */
const terminateInstances: Handler = ({ state }, params) => {
  const ids = params.list('InstanceId');
  if (ids.length === 0)
    throw new AwsFault('MissingParameter', 'The request must contain the parameter InstanceId');
  for (const id of ids) {
    if (!state.instance(id))
      throw new AwsFault('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
  }
  return {
    instancesSet: ids.map((id) => {
      const previous = state.instance(id)!.ec2State;
      const current = state.terminateInstance(id).ec2State;
      return {
        instanceId: id,
        previousState: { code: EC2_STATE_CODES[previous], name: previous },
        currentState: { code: EC2_STATE_CODES[current], name: current },
      };
    }),
  };
};

export const EC2_ACTIONS: Readonly<Record<string, Handler>> = {
  TerminateInstances: terminateInstances,
  DescribeInstances: describeInstances,
  DescribeSpotInstanceRequests: describeSpotInstanceRequests,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
  DescribeSpotPriceHistory: describeSpotPriceHistory,
};

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
