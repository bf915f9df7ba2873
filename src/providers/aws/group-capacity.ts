/**
 * The two calls that change the group, as fleeting-plugin-aws makes them: SetDesiredCapacity
 * without honouring cooldowns, and TerminateInstanceInAutoScalingGroup with decrement, one
 * instance at a time, stopping at the first failure (AWS refuses the decrement at MinSize).
 */
import {
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  type AutoScalingClient,
} from '@aws-sdk/client-auto-scaling';
import { isAbortError } from '../../platform/abort.js';
import { SpotrunnerError, describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { callAws } from './aws-errors.js';

export async function changeDesiredCapacity(
  autoscaling: AutoScalingClient,
  groupName: string,
  desiredCapacity: number,
  signal?: AbortSignal,
): Promise<void> {
  await callAws('autoscaling:SetDesiredCapacity', () =>
    autoscaling.send(
      new SetDesiredCapacityCommand({
        AutoScalingGroupName: groupName,
        DesiredCapacity: desiredCapacity,
        HonorCooldown: false,
      }),
      { abortSignal: signal },
    ),
  );
}

/** AWS refused to decrement desired capacity below the group's MinSize. */
export function isBelowMinSizeRefusal(err: unknown): boolean {
  return (
    err instanceof SpotrunnerError &&
    err.code === 'provider' &&
    /violate group's min size constraint/i.test(err.message)
  );
}

/**
 * Terminates instances in order, decrementing desired capacity for each. An instance the group
 * no longer holds is skipped (it is gone already); any other failure stops the batch. Returns
 * the ids whose termination was issued; throws when the very first termination failed. With
 * `onBelowMinSize`, AWS refusing to go below MinSize instead hands it the ids not yet done.
 */
export async function terminateInstances(
  deps: { autoscaling: AutoScalingClient; logger: Logger },
  ids: readonly string[],
  signal?: AbortSignal,
  onBelowMinSize?: (rest: readonly string[]) => void,
): Promise<string[]> {
  const done: string[] = [];
  for (const [index, id] of ids.entries()) {
    try {
      await callAws('autoscaling:TerminateInstanceInAutoScalingGroup', () =>
        deps.autoscaling.send(
          new TerminateInstanceInAutoScalingGroupCommand({
            InstanceId: id,
            ShouldDecrementDesiredCapacity: true,
          }),
          { abortSignal: signal },
        ),
      );
      done.push(id);
    } catch (err: unknown) {
      if (isAbortError(err)) throw err;
      if (onBelowMinSize && isBelowMinSizeRefusal(err)) {
        onBelowMinSize(ids.slice(index));
        break;
      }
      if (err instanceof SpotrunnerError && err.code === 'not_found') {
        deps.logger.warn(
          { instanceId: id, err: err.message },
          'instance to remove is not in the group',
        );
        continue;
      }
      deps.logger.error(
        {
          instanceId: id,
          done: done.length,
          left: ids.length - done.length,
          err: describeError(err),
        },
        'instance removal failed',
      );
      if (done.length === 0) throw err;
      break;
    }
  }
  return done;
}
