import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import { startAwsFixture, type AwsFixture } from '../../../test/support/aws/aws-fixture.js';
import type { AwsProviderOptions } from './aws-options.js';
import type { AwsProvider } from './aws-provider.js';

let fx: AwsFixture | undefined;

afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const QUEUE_ONLY: Partial<AwsProviderOptions> = {
  interruptionQueueWaitSeconds: 1,
  spotRequestChecks: false,
};

async function spotFleet(
  count: number,
  options: Partial<AwsProviderOptions> = {},
  onDemandBase = 0,
): Promise<{ provider: AwsProvider; clock: VirtualClock; ids: string[] }> {
  const clock = new VirtualClock();
  fx = await startAwsFixture({
    groups: [
      { name: 'spot', max: 4, mixedInstancesPolicy: true, onDemandBaseCapacity: onDemandBase },
    ],
    clock,
  });
  const provider = fx.provider('spot', {
    ...options,
    interruptionQueueUrl:
      options.interruptionQueueUrl === undefined ? undefined : fx.double.queueUrl,
  });
  await provider.init();
  await provider.increase(count);
  await fx.double.controls.settled();
  const ids = (await provider.update()).map((i) => i.id);
  return { provider, clock, ids };
}

const wholeSeconds = (ms: number): number => Math.floor(ms / 1_000) * 1_000;

describe('interruption notices from spot request status', () => {
  it('marks a spot instance for termination two minutes after the status update', async () => {
    const { provider, clock, ids } = await spotFleet(2, {}, 1);
    const [onDemand, spot] = ids;
    await clock.advance(5_000);
    const at = clock.now();
    fx!.double.controls.interrupt(spot!);
    const list = await provider.update();
    expect(list.find((i) => i.id === spot)?.interruption).toEqual({
      kind: 'termination',
      deadlineMs: at + 120_000,
    });
    expect(list.find((i) => i.id === onDemand)?.interruption).toBeUndefined();
    expect(fx!.notices.map((n) => n.id)).toEqual([spot]);
    const asked = fx!.double.controls.requests
      .filter((r) => r.action === 'DescribeSpotInstanceRequests')
      .at(-1);
    expect(asked?.params).toMatchObject({
      'Filter.1.Name': 'instance-id',
      'Filter.1.Value.1': spot,
    });
    expect(asked?.params['Filter.1.Value.2']).toBeUndefined();
  });

  it('loses the instance from the group when the notice runs out', async () => {
    const { provider, clock, ids } = await spotFleet(1);
    fx!.double.controls.interrupt(ids[0]!);
    await provider.update();
    await clock.advance(120_000);
    expect((await provider.update()).map((i) => i.id)).not.toContain(ids[0]);
  });

  it('keeps working (with a warning) when DescribeSpotInstanceRequests is not allowed', async () => {
    const { provider, ids } = await spotFleet(1);
    fx!.double.controls.failAction('DescribeSpotInstanceRequests', {
      code: 'UnauthorizedOperation',
      message: 'not allowed',
      status: 403,
    });
    const list = await provider.update();
    expect(list.map((i) => i.id)).toEqual(ids);
    expect(
      fx!.logger.messages('warn').some((m) => m.includes('DescribeSpotInstanceRequests')),
    ).toBe(true);
  });
});

describe('interruption notices from the EventBridge → SQS queue', () => {
  it('turns a spot interruption warning into a termination notice and deletes the message', async () => {
    const { provider, clock, ids } = await spotFleet(1, {
      ...QUEUE_ONLY,
      interruptionQueueUrl: 'set',
    });
    const at = clock.now();
    fx!.double.controls.interrupt(ids[0]!);
    await vi.waitFor(() => expect(fx!.notices).toHaveLength(1), { timeout: 10_000, interval: 50 });
    expect(fx!.notices[0]).toEqual({
      id: ids[0],
      notice: { kind: 'termination', deadlineMs: wholeSeconds(at) + 120_000 },
    });
    await vi.waitFor(() => expect(fx!.double.controls.queueMessages()).toHaveLength(0), {
      timeout: 5_000,
    });
    expect((await provider.update())[0]?.interruption?.kind).toBe('termination');
  });

  it('turns a rebalance recommendation into a rebalance notice', async () => {
    const { provider, clock, ids } = await spotFleet(1, {
      ...QUEUE_ONLY,
      interruptionQueueUrl: 'set',
    });
    const at = clock.now();
    fx!.double.controls.interrupt(ids[0]!, { kind: 'rebalance' });
    await vi.waitFor(() => expect(fx!.notices).toHaveLength(1), { timeout: 10_000, interval: 50 });
    expect(fx!.notices[0]!.notice).toEqual({ kind: 'rebalance', deadlineMs: wholeSeconds(at) });
    expect((await provider.update())[0]?.interruption?.kind).toBe('rebalance');
  });

  it('leaves messages about other instances and unrelated messages in the queue', async () => {
    const { ids } = await spotFleet(1, { ...QUEUE_ONLY, interruptionQueueUrl: 'set' });
    const controls = fx!.double.controls;
    controls.sendQueueMessage('not json at all');
    controls.sendQueueMessage(
      JSON.stringify({
        'detail-type': 'EC2 Instance State-change Notification',
        detail: { 'instance-id': ids[0] },
        time: '2026-01-05T00:00:00Z',
      }),
    );
    controls.sendQueueMessage(
      JSON.stringify({
        'detail-type': 'EC2 Spot Instance Interruption Warning',
        time: '2026-01-05T00:00:00Z',
        detail: { 'instance-id': 'i-0aaaaaaaaaaaaaaaa', 'instance-action': 'terminate' },
      }),
    );
    controls.interrupt(ids[0]!);
    await vi.waitFor(() => expect(fx!.notices.map((n) => n.id)).toEqual([ids[0]]), {
      timeout: 10_000,
      interval: 50,
    });
    await vi.waitFor(() => expect(controls.queueMessages()).toHaveLength(3), { timeout: 5_000 });
  });

  it('prefers a termination over an earlier rebalance recommendation', async () => {
    const { provider, clock, ids } = await spotFleet(1, {
      interruptionQueueWaitSeconds: 1,
      interruptionQueueUrl: 'set',
    });
    fx!.double.controls.interrupt(ids[0]!, { kind: 'rebalance' });
    await vi.waitFor(() => expect(fx!.notices).toHaveLength(1), { timeout: 10_000, interval: 50 });
    await clock.advance(30_000);
    fx!.double.controls.interrupt(ids[0]!);
    const [only] = await provider.update();
    expect(only?.interruption).toEqual({ kind: 'termination', deadlineMs: clock.now() + 120_000 });
  });
});

describe('notices reported from elsewhere', () => {
  it('shows a reported notice on the next update and calls onInterruption once', async () => {
    const { provider, clock, ids } = await spotFleet(1);
    const notice = { kind: 'termination' as const, deadlineMs: clock.now() + 60_000 };
    expect(provider.reportInterruption(ids[0]!, notice)).toBe(true);
    expect(provider.reportInterruption(ids[0]!, notice)).toBe(false);
    expect((await provider.update())[0]?.interruption).toEqual(notice);
    expect(fx!.notices).toHaveLength(1);
  });
});

describe('launch failures', () => {
  it('reports capacity failures of the group as provider_capacity, then recovers', async () => {
    const clock = new VirtualClock();
    fx = await startAwsFixture({ groups: [{ name: 'spot', max: 4 }], clock });
    const provider = fx.provider('spot');
    await provider.init();
    const since = clock.now();
    fx.double.controls.failLaunches({ code: 'InsufficientInstanceCapacity' });
    expect(await provider.increase(2)).toBe(2);
    await fx.double.controls.settled();
    expect(await provider.update()).toEqual([]);
    const failures = await provider.launchFailures(since);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatchObject({ code: 'provider_capacity' });
    expect(failures[0]!.message).toContain('InsufficientInstanceCapacity');
    fx.double.controls.clearLaunchFailures();
    await fx.double.controls.settled();
    expect(await provider.update()).toHaveLength(2);
    expect(await provider.launchFailures(clock.now() + 1)).toEqual([]);
  });

  it('classifies other launch failures as provider', async () => {
    const clock = new VirtualClock();
    fx = await startAwsFixture({ groups: [{ name: 'spot', max: 4 }], clock });
    const provider = fx.provider('spot');
    await provider.init();
    fx.double.controls.failLaunches({
      code: 'InvalidParameterValue',
      message: 'The image id does not exist',
      count: 1,
    });
    await provider.increase(1);
    const [failure] = await provider.launchFailures(0);
    expect(failure).toMatchObject({ code: 'provider' });
  });
});
