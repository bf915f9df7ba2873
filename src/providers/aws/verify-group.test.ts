import { afterEach, describe, expect, it } from 'vitest';
import { startAwsFixture, type AwsFixture } from '../../../test/support/aws/aws-fixture.js';
import type { AwsDoubleGroupSpec } from '../../../test/support/aws/double-model.js';
import type { GroupProblemCode } from './group-checks.js';
import { verifyGroup, type VerifyGroupResult } from './verify-group.js';

let fx: AwsFixture | undefined;

afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function verify(
  group: Partial<AwsDoubleGroupSpec>,
  options: { maxInstances?: number; managerName?: string; tagGroup?: boolean } = {},
): Promise<VerifyGroupResult> {
  fx = await startAwsFixture({ groups: [{ name: 'ci', max: 10, ...group }] });
  return verifyGroup(fx.clients, 'ci', {
    maxInstances: options.maxInstances ?? 10,
    managerName: options.managerName,
    tagGroup: options.tagGroup,
  });
}

function only(result: VerifyGroupResult, code: GroupProblemCode): { message: string; fix: string } {
  expect(result.problems.map((p) => p.code)).toEqual([code]);
  return result.problems[0]!;
}

describe('verifyGroup', () => {
  it('passes a well-configured group', async () => {
    const result = await verify({});
    expect(result).toEqual({ ok: true, problems: [] });
  });

  it('asks for MinSize 0', async () => {
    const result = await verify({ min: 1, desired: 1 });
    expect(result.problems.map((x) => x.code)).toEqual(['min_size', 'desired_capacity']);
    expect(result.problems[0]!.fix).toBe(
      'aws autoscaling update-auto-scaling-group --auto-scaling-group-name ci --min-size 0',
    );
  });

  it('warns (without failing) when desired capacity is not 0', async () => {
    const result = await verify({ desired: 2 });
    expect(result.ok).toBe(true);
    expect(only(result, 'desired_capacity').fix).toContain('--desired-capacity 0');
  });

  it('asks for MaxSize of at least max_instances', async () => {
    const result = await verify({ max: 4 }, { maxInstances: 20 });
    expect(result.ok).toBe(false);
    expect(only(result, 'max_size').fix).toBe(
      'aws autoscaling update-auto-scaling-group --auto-scaling-group-name ci --max-size 20',
    );
  });

  it('asks for scale-in protection of new instances', async () => {
    expect(only(await verify({ protectFromScaleIn: false }), 'scale_in_protection').fix).toBe(
      'aws autoscaling update-auto-scaling-group --auto-scaling-group-name ci --new-instances-protected-from-scale-in',
    );
  });

  it('asks to suspend AZRebalance', async () => {
    expect(only(await verify({ suspendedProcesses: ['Launch'] }), 'az_rebalance').fix).toBe(
      'aws autoscaling suspend-processes --auto-scaling-group-name ci --scaling-processes AZRebalance',
    );
  });

  it('asks to turn CapacityRebalance off', async () => {
    expect(only(await verify({ capacityRebalance: true }), 'capacity_rebalance').fix).toBe(
      'aws autoscaling update-auto-scaling-group --auto-scaling-group-name ci --no-capacity-rebalance',
    );
  });

  it('asks to delete every scaling policy', async () => {
    const p = only(await verify({ policies: ['cpu-target', 'queue-step'] }), 'scaling_policies');
    expect(p.fix.split('\n')).toEqual([
      'aws autoscaling delete-policy --auto-scaling-group-name ci --policy-name cpu-target',
      'aws autoscaling delete-policy --auto-scaling-group-name ci --policy-name queue-step',
    ]);
  });

  it('asks for IMDSv2 on the launch template the group uses ($Latest)', async () => {
    const p = only(
      await verify({
        launchTemplate: {
          id: 'lt-0abc',
          name: 'runner',
          version: '$Latest',
          httpTokens: 'optional',
        },
      }),
      'imds_v2',
    );
    expect(p.fix).toMatch(
      /^aws ec2 create-launch-template-version --launch-template-id lt-0abc --source-version 1 /,
    );
    expect(p.fix).toContain(
      `'{"MetadataOptions":{"HttpTokens":"required","HttpEndpoint":"enabled"}}'`,
    );
    expect(p.fix).not.toContain('&&');
  });

  it('makes the IMDSv2 version the default when the group launches $Default', async () => {
    const p = only(
      await verify({
        launchTemplate: { id: 'lt-0abc', version: '$Default', httpTokens: 'optional' },
      }),
      'imds_v2',
    );
    expect(p.fix).toContain(
      '&& aws ec2 modify-launch-template --launch-template-id lt-0abc --default-version "$v"',
    );
  });

  it('checks the template of a mixed instances policy', async () => {
    const result = await verify({
      instanceTypes: ['m7i.large', 'm6i.large'],
      launchTemplate: { id: 'lt-0mix', httpTokens: 'optional' },
    });
    expect(only(result, 'imds_v2').message).toContain('HttpTokens is optional');
  });

  it('passes again once the fix has been applied', async () => {
    fx = await startAwsFixture({
      groups: [
        {
          name: 'ci',
          max: 10,
          capacityRebalance: true,
          launchTemplate: { httpTokens: 'optional' },
        },
      ],
    });
    expect((await verifyGroup(fx.clients, 'ci', { maxInstances: 10 })).ok).toBe(false);
    fx.double.controls.updateGroup('ci', { capacityRebalance: false, httpTokens: 'required' });
    expect(await verifyGroup(fx.clients, 'ci', { maxInstances: 10 })).toEqual({
      ok: true,
      problems: [],
    });
  });

  it('reports a missing group with how to list the existing ones', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'ci', max: 10 }] });
    const result = await verifyGroup(fx.clients, 'cj', { maxInstances: 1 });
    expect(result.ok).toBe(false);
    expect(result.problems[0]).toMatchObject({ code: 'group_missing' });
    expect(result.problems[0]!.fix).toContain('aws autoscaling describe-auto-scaling-groups');
  });

  it('turns a missing permission for one check into an access_denied problem', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'ci', max: 10 }] });
    fx.double.controls.failAction('DescribePolicies', {
      code: 'AccessDenied',
      message: 'User is not authorized',
      status: 403,
    });
    const p = only(await verifyGroup(fx.clients, 'ci', { maxInstances: 1 }), 'access_denied');
    expect(p.fix).toContain('autoscaling:DescribePolicies');
  });

  it('reports missing ownership tags as a warning with the tagging command', async () => {
    const result = await verify({}, { managerName: 'mgr-1' });
    expect(result.ok).toBe(true);
    expect(only(result, 'ownership_tags').fix).toContain(
      'aws autoscaling create-or-update-tags --tags ResourceId=ci,ResourceType=auto-scaling-group,Key=spotrunner:manager,Value=mgr-1,PropagateAtLaunch=true',
    );
  });

  it('does not warn about missing ownership tags that tag_group will write', async () => {
    const result = await verify({}, { managerName: 'mgr-1', tagGroup: true });
    expect(result).toEqual({ ok: true, problems: [] });
  });

  it('still fails a group tagged for another manager with tag_group on', async () => {
    const result = await verify(
      { tags: [{ key: 'spotrunner:manager', value: 'other', propagateAtLaunch: true }] },
      { managerName: 'mgr-1', tagGroup: true },
    );
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(['shared_group']);
  });

  it('fails a group tagged for another manager', async () => {
    const result = await verify(
      { tags: [{ key: 'spotrunner:manager', value: 'other', propagateAtLaunch: true }] },
      { managerName: 'mgr-1' },
    );
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(['shared_group']);
  });
});
