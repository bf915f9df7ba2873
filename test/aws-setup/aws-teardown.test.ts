/**
 * `spotrunner aws teardown` (and setup's refusal to adopt): only resources tagged
 * `spotrunner:setup=<id>` are changed or removed, and teardown is refused while a group has
 * instances.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateQueueCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { startSetupHarness, type SetupHarness } from './setup-harness.js';

let h: SetupHarness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const SETUP_CI = '    setup_id = "ci"';

describe('spotrunner aws teardown', () => {
  it('setup does not take over a same-named resource it did not make', async () => {
    h = await startSetupHarness(SETUP_CI);
    await h.clients.clients.sqs.send(
      new CreateQueueCommand({ QueueName: 'spotrunner-ci-interruptions' }),
    );
    const setup = await h.spotrunner('aws', 'setup', '--config', h.configFile);
    expect(setup.error?.message).toMatch(
      /interruption queue spotrunner-ci-interruptions exists but is not tagged spotrunner:setup=ci/,
    );
    expect(h.mutations()).toEqual(['sqs:CreateQueue']);
  });

  it('refuses while the group has an instance, leaves what another setup id made, removes its own', async () => {
    h = await startSetupHarness(SETUP_CI);
    const { autoscaling, sqs } = h.clients.clients;
    expect((await h.spotrunner('aws', 'setup', '--config', h.configFile)).error).toBeUndefined();

    await autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: 'ci-spot', DesiredCapacity: 1 }),
    );
    await h.double.controls.settled();
    const refused = await h.spotrunner('aws', 'teardown', '--config', h.configFile);
    expect(refused.error?.message).toMatch(/teardown refused: the group still has instances/);
    const [instance] = h.double.controls.instances('ci-spot');
    await autoscaling.send(
      new TerminateInstanceInAutoScalingGroupCommand({
        InstanceId: instance!.id,
        ShouldDecrementDesiredCapacity: true,
      }),
    );
    await h.double.controls.settled();

    const before = h.mutations().length;
    const otherId = await h.writeConfig('other.toml', '    setup_id = "other"');
    const foreign = await h.spotrunner('aws', 'teardown', '--config', otherId);
    expect(foreign.error).toBeUndefined();
    expect(foreign.out).toContain('= group ci-spot: not ours');
    expect(foreign.out).not.toContain(': removed');
    expect(h.mutations().slice(before)).toEqual([]);

    const removed = await h.spotrunner('aws', 'teardown', '--config', h.configFile);
    expect(removed.error).toBeUndefined();
    for (const r of [
      'group ci-spot',
      'group ci-on-demand',
      'launch template spotrunner-ci',
      'EventBridge rule spotrunner-ci-interruptions',
      'interruption queue spotrunner-ci-interruptions',
      'cache bucket spotrunner-test-cache',
      'instance profile spotrunner-ci-instance',
      'instance role spotrunner-ci-instance',
      'manager policy spotrunner-ci-manager',
    ])
      expect(removed.out).toContain(`- ${r}: removed`);
    const left = await autoscaling.send(new DescribeAutoScalingGroupsCommand({}));
    expect(left.AutoScalingGroups?.map((g) => g.AutoScalingGroupName)).toEqual(['someone-else']);
    await expect(
      sqs.send(new GetQueueUrlCommand({ QueueName: 'spotrunner-ci-interruptions' })),
    ).rejects.toThrow();
    const again = await h.spotrunner('aws', 'teardown', '--config', h.configFile);
    expect(again.out).toContain('= group ci-spot: absent');
  });
});
