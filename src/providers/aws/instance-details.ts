/**
 * What DescribeInstances tells about each instance, reduced to plain data: type, lifecycle,
 * zone, launch time, addresses, platform, tags. Batched by instance id and paginated; the
 * `instance-id` filter is used (not InstanceIds) so an id EC2 does not list yet is simply absent.
 */
import { DescribeInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { Lifecycle } from '../provider.js';
import { callAws } from './aws-errors.js';

export interface InstanceDetails {
  id: string;
  /** EC2 state name: pending, running, shutting-down, terminated, stopping, stopped. */
  ec2State?: string;
  instanceType?: string;
  lifecycle: Lifecycle;
  /** Capacity Block / scheduled instances are reported as on-demand. */
  spotRequestId?: string;
  zone?: string;
  launchedAtMs?: number;
  privateIp?: string;
  publicIp?: string;
  /** EC2 `Platform` (`windows` or absent). */
  platform?: string;
  /** EC2 `Architecture`: i386, x86_64, arm64, x86_64_mac, arm64_mac. */
  architecture?: string;
  tags: Readonly<Record<string, string>>;
}

export function toInstanceDetails(instance: Instance): InstanceDetails | undefined {
  if (!instance.InstanceId) return undefined;
  const tags: Record<string, string> = {};
  for (const tag of instance.Tags ?? []) {
    if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  }
  return {
    id: instance.InstanceId,
    ec2State: instance.State?.Name,
    instanceType: instance.InstanceType,
    lifecycle: instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
    spotRequestId: instance.SpotInstanceRequestId,
    zone: instance.Placement?.AvailabilityZone,
    launchedAtMs: instance.LaunchTime?.getTime(),
    privateIp: instance.PrivateIpAddress,
    publicIp: instance.PublicIpAddress,
    platform: instance.Platform,
    architecture: instance.Architecture,
    tags,
  };
}

export interface DescribeInstancesQuery {
  ids?: readonly string[];
  /** Extra EC2 filters, e.g. `{ 'tag:spotrunner:manager': ['m1'] }`. */
  filters?: Readonly<Record<string, readonly string[]>>;
  batchSize?: number;
  /** MaxResults per page (5–1000). */
  pageSize?: number;
  signal?: AbortSignal;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function describePages(
  ec2: EC2Client,
  filters: { Name: string; Values: string[] }[],
  query: DescribeInstancesQuery,
): Promise<InstanceDetails[]> {
  const out: InstanceDetails[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callAws('ec2:DescribeInstances', () =>
      ec2.send(
        new DescribeInstancesCommand({
          Filters: filters,
          NextToken: nextToken,
          MaxResults: query.pageSize ?? 1000,
        }),
        { abortSignal: query.signal },
      ),
    );
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        const details = toInstanceDetails(instance);
        if (details) out.push(details);
      }
    }
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return out;
}

/** Describes instances by id (in batches) and/or by filters, following every page. */
export async function describeInstanceDetails(
  ec2: EC2Client,
  query: DescribeInstancesQuery,
): Promise<InstanceDetails[]> {
  const extra = Object.entries(query.filters ?? {}).map(([Name, values]) => ({
    Name,
    Values: [...values],
  }));
  if (query.ids === undefined) return describePages(ec2, extra, query);
  const out: InstanceDetails[] = [];
  for (const batch of chunk(query.ids, query.batchSize ?? 100)) {
    const filters = [{ Name: 'instance-id', Values: batch }, ...extra];
    out.push(...(await describePages(ec2, filters, query)));
  }
  return out;
}

/**
 * Details fetched once per instance (type, lifecycle, zone and launch time never change) and
 * dropped when the instance leaves the group.
 */
export class InstanceDetailsCache {
  readonly #byId = new Map<string, InstanceDetails>();

  get(id: string): InstanceDetails | undefined {
    return this.#byId.get(id);
  }

  /** Ids in `ids` that have no details yet. */
  missing(ids: readonly string[]): string[] {
    return ids.filter((id) => !this.#byId.has(id));
  }

  put(details: readonly InstanceDetails[]): void {
    for (const d of details) this.#byId.set(d.id, d);
  }

  /** Forgets every instance not in `ids`. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#byId.keys()) if (!ids.has(id)) this.#byId.delete(id);
  }

  values(): InstanceDetails[] {
    return [...this.#byId.values()];
  }
}
