/**
 * The two calls that change the group, as fleeting-plugin-aws makes them: SetDesiredCapacity
 * without honouring cooldowns, and TerminateInstanceInAutoScalingGroup with decrement, one
 * instance at a time, stopping at the first failure.
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

/**
 * Terminates instances in order, decrementing desired capacity for each. An instance the group
 * no longer holds is skipped (it is gone already); any other failure stops the batch. Returns
 * the ids whose termination was issued; throws when the very first termination failed.
 */
export async function terminateInstances(
  deps: { autoscaling: AutoScalingClient; logger: Logger },
  ids: readonly string[],
  signal?: AbortSignal,
): Promise<string[]> {
  const done: string[] = [];
  for (const id of ids) {
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
