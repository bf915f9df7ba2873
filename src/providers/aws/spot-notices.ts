/**
 * Interruption notices from spot request status (DescribeSpotInstanceRequests), as
 * fleeting-plugin-aws v1.1 checks them on every update. A `marked-for-*` status gives the usual
 * two-minute warning from its update time; an `instance-terminated-*` / `-stopped-*` /
 * `-hibernated-*` status means the instance is being taken now.
 */
import { DescribeSpotInstanceRequestsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { InterruptionNotice } from '../provider.js';
import { callAws } from './aws-errors.js';

/** AWS gives spot instances two minutes between the warning and the interruption. */
export const SPOT_NOTICE_MS = 120_000;

/** The notice a spot request status code implies, if any. */
export function noticeFromSpotStatus(
  code: string | undefined,
  updatedAtMs: number,
): InterruptionNotice | undefined {
  if (!code) return undefined;
  if (code.startsWith('marked-for-')) {
    return { kind: 'termination', deadlineMs: updatedAtMs + SPOT_NOTICE_MS };
  }
  if (/^instance-(terminated|stopped|hibernated)-/.test(code)) {
    return { kind: 'termination', deadlineMs: updatedAtMs };
  }
  return undefined;
}

/** The more urgent of two notices: a termination beats a rebalance, then the earlier deadline. */
export function moreUrgent(
  a: InterruptionNotice | undefined,
  b: InterruptionNotice | undefined,
): InterruptionNotice | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.kind !== b.kind) return a.kind === 'termination' ? a : b;
  return a.deadlineMs <= b.deadlineMs ? a : b;
}

/**
 * Spot request notices for these instances (batched by the `instance-id` filter, paginated).
 * `nowMs` stands in for a status without an update time.
 */
export async function describeSpotNotices(
  ec2: EC2Client,
  instanceIds: readonly string[],
  options: { batchSize: number; nowMs: number; signal?: AbortSignal },
): Promise<Map<string, InterruptionNotice>> {
  const notices = new Map<string, InterruptionNotice>();
  for (let i = 0; i < instanceIds.length; i += options.batchSize) {
    const batch = instanceIds.slice(i, i + options.batchSize);
    let nextToken: string | undefined;
    do {
      const page = await callAws('ec2:DescribeSpotInstanceRequests', () =>
        ec2.send(
          new DescribeSpotInstanceRequestsCommand({
            Filters: [{ Name: 'instance-id', Values: batch }],
            NextToken: nextToken,
          }),
          { abortSignal: options.signal },
        ),
      );
      for (const request of page.SpotInstanceRequests ?? []) {
        const id = request.InstanceId;
        const updatedAtMs = request.Status?.UpdateTime?.getTime() ?? options.nowMs;
        const notice = noticeFromSpotStatus(request.Status?.Code, updatedAtMs);
        if (id && notice) notices.set(id, moreUrgent(notices.get(id), notice)!);
      }
      nextToken = page.NextToken || undefined;
    } while (nextToken);
  }
  return notices;
}
