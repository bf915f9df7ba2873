import { afterEach, describe, expect, it } from 'vitest';
import { startAwsFixture, type AwsFixture } from '../../../test/support/aws/aws-fixture.js';
import { describeInstanceDetails } from './instance-details.js';
import { findTaggedInstances } from './tagged-instances.js';
import { listAwsFleet } from './fleet-listing.js';

let fx: AwsFixture | undefined;

afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

describe('ownership tags', () => {
  it('tags the group with PropagateAtLaunch when tag_group is on, so new instances name their manager', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'ci', max: 4 }] });
    const provider = fx.provider('ci', {
      tagGroup: true,
      managerName: 'mgr-1',
      runnerName: 'docker-spot',
    });
    await provider.init();
    const call = fx.double.controls.requests.find((r) => r.action === 'CreateOrUpdateTags');
    expect(call?.params).toMatchObject({
      'Tags.member.1.Key': 'spotrunner:manager',
      'Tags.member.1.Value': 'mgr-1',
      'Tags.member.1.PropagateAtLaunch': 'true',
      'Tags.member.1.ResourceType': 'auto-scaling-group',
      'Tags.member.2.Key': 'spotrunner:runner',
    });
    await provider.increase(1);
    await fx.double.controls.settled();
    const [instance] = await provider.update();
    expect(provider.instanceDetails(instance!.id)?.tags).toMatchObject({
      'spotrunner:manager': 'mgr-1',
      'spotrunner:runner': 'docker-spot',
      'aws:autoscaling:groupName': 'ci',
    });
    expect(provider.ownership(instance!.id)).toBe('ours');
  });

  it('does not tag again when the tags are already there', async () => {
    fx = await startAwsFixture({
      groups: [
        {
          name: 'ci',
          max: 4,
          tags: [{ key: 'spotrunner:manager', value: 'mgr-1', propagateAtLaunch: true }],
        },
      ],
    });
    await fx.provider('ci', { tagGroup: true, managerName: 'mgr-1' }).init();
    expect(fx.double.controls.requests.some((r) => r.action === 'CreateOrUpdateTags')).toBe(false);
  });

  it('only logs the tagging command when tag_group is off', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'ci', max: 4 }] });
    await fx.provider('ci', { managerName: 'mgr-1' }).init();
    expect(fx.double.controls.requests.some((r) => r.action === 'CreateOrUpdateTags')).toBe(false);
    const warning = fx.logger.records.find((r) =>
      r.msg.includes('lacks spotrunner ownership tags'),
    );
    expect(String(warning?.fields.fix)).toContain('aws autoscaling create-or-update-tags');
  });

  it('logs an error and leaves the tag alone when the group belongs to another manager', async () => {
    fx = await startAwsFixture({
      groups: [
        {
          name: 'ci',
          max: 4,
          tags: [{ key: 'spotrunner:manager', value: 'other', propagateAtLaunch: true }],
        },
      ],
    });
    const provider = fx.provider('ci', { tagGroup: true, managerName: 'mgr-1' });
    await provider.init();
    expect(fx.logger.messages('error').some((m) => m.includes('another manager'))).toBe(true);
    expect(fx.double.controls.requests.some((r) => r.action === 'CreateOrUpdateTags')).toBe(false);
    await provider.increase(1);
    await fx.double.controls.settled();
    const [instance] = await provider.update();
    expect(provider.ownership(instance!.id)).toBe('other-manager');
  });

  it('finds every live instance tagged for a manager, across groups', async () => {
    const tag = (value: string) => [{ key: 'spotrunner:manager', value, propagateAtLaunch: true }];
    fx = await startAwsFixture({
      groups: [
        { name: 'a', max: 4, tags: tag('mgr-1') },
        { name: 'b', max: 4, tags: tag('mgr-1') },
        { name: 'c', max: 4, tags: tag('mgr-2') },
      ],
    });
    for (const name of ['a', 'b', 'c']) await fx.provider(name).increase(1);
    await fx.double.controls.settled();
    const found = await findTaggedInstances(fx.clients.ec2, { managerName: 'mgr-1' });
    expect(found.map((i) => i.groupName).sort()).toEqual(['a', 'b']);
    expect(found.every((i) => i.ec2State === 'running' && i.id.startsWith('i-'))).toBe(true);
  });
});

describe('DescribeInstances batching', () => {
  it('asks by id in batches and follows NextToken pages', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'ci', max: 8, desired: 7 }] });
    await fx.double.controls.settled();
    const ids = fx.double.controls.instances('ci').map((i) => i.id);
    expect(ids).toHaveLength(7);
    const byId = await describeInstanceDetails(fx.clients.ec2, { ids, batchSize: 3 });
    expect(byId.map((d) => d.id).sort()).toEqual([...ids].sort());
    expect(
      fx.double.controls.requests.filter((r) => r.action === 'DescribeInstances'),
    ).toHaveLength(3);
    const paged = await describeInstanceDetails(fx.clients.ec2, {
      filters: { 'tag:aws:autoscaling:groupName': ['ci'] },
      pageSize: 5,
    });
    expect(paged).toHaveLength(7);
    const pages = fx.double.controls.requests
      .filter((r) => r.action === 'DescribeInstances')
      .slice(3);
    expect(pages).toHaveLength(2);
    expect(pages[1]!.params.NextToken).toBeDefined();
  });
});

describe('listAwsFleet', () => {
  it('lists type, lifecycle, launch time, price and ownership per instance', async () => {
    fx = await startAwsFixture({
      groups: [
        {
          name: 'ci',
          max: 4,
          instanceTypes: ['m7i.large'],
          tags: [{ key: 'spotrunner:manager', value: 'm', propagateAtLaunch: true }],
        },
      ],
    });
    const provider = fx.provider('ci', { managerName: 'm' });
    await provider.init();
    await provider.increase(1);
    await fx.double.controls.settled();
    await provider.update();
    const rows = await listAwsFleet(provider, {
      region: 'us-east-1',
      nowMs: fx.clock.now(),
      priceFor: (type, lifecycle) =>
        type === 'm7i.large' && lifecycle === 'spot' ? 0.05 : undefined,
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      instanceType: 'm7i.large',
      lifecycle: 'spot',
      pricePerHourUsd: 0.05,
      ownership: 'ours',
      state: 'running',
    });
    expect(rows[0]!.launchedAtMs).toBeLessThanOrEqual(fx.clock.now());
  });
});
