/**
 * Launch failures seen by the group itself. SetDesiredCapacity never fails for lack of capacity:
 * the group records a Failed scaling activity ("… InsufficientInstanceCapacity …") and keeps
 * retrying. Reading those activities lets the app notice that spot capacity is missing and fall
 * back to a secondary group.
 */
import {
  DescribeScalingActivitiesCommand,
  type Activity,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import type { ErrorCode } from '../../platform/errors.js';
import { callAws, isCapacityMessage } from './aws-errors.js';

export interface LaunchFailure {
  activityId?: string;
  atMs: number;
  /** `provider_capacity` for capacity shortages; `provider` for anything else. */
  code: Extract<ErrorCode, 'provider_capacity' | 'provider'>;
  /** The group's status message, e.g. `Could not launch Spot Instances. InsufficientInstanceCapacity …`. */
  message: string;
}

const FAILED_STATUS = new Set(['Failed', 'Cancelled']);

export function toLaunchFailure(activity: Activity): LaunchFailure | undefined {
  if (!activity.StatusCode || !FAILED_STATUS.has(activity.StatusCode)) return undefined;
  const atMs = (activity.EndTime ?? activity.StartTime)?.getTime();
  if (atMs === undefined) return undefined;
  const message = activity.StatusMessage ?? activity.Description ?? activity.StatusCode;
  const text = `${activity.StatusMessage ?? ''} ${activity.Description ?? ''} ${activity.Cause ?? ''}`;
  return {
    activityId: activity.ActivityId,
    atMs,
    code: isCapacityMessage(text) ? 'provider_capacity' : 'provider',
    message,
  };
}

/**
 * Failed launches since `sinceMs`, newest first. Reads at most `maxRecords` activities (the API
 * lists newest first, so older pages are never needed for a recent window).
 */
export async function describeLaunchFailures(
  autoscaling: AutoScalingClient,
  groupName: string,
  options: { sinceMs: number; maxRecords?: number; signal?: AbortSignal },
): Promise<LaunchFailure[]> {
  const page = await callAws('autoscaling:DescribeScalingActivities', () =>
    autoscaling.send(
      new DescribeScalingActivitiesCommand({
        AutoScalingGroupName: groupName,
        MaxRecords: options.maxRecords ?? 50,
      }),
      { abortSignal: options.signal },
    ),
  );
  const failures: LaunchFailure[] = [];
  for (const activity of page.Activities ?? []) {
    const failure = toLaunchFailure(activity);
    if (failure && failure.atMs >= options.sinceMs) failures.push(failure);
  }
  return failures.sort((a, b) => b.atMs - a.atMs);
}
