import { afterEach, describe, expect, it } from 'vitest';
import { SpotrunnerError } from '../../platform/errors.js';
import { startAwsFixture, type AwsFixture } from '../../../test/support/aws/aws-fixture.js';
import type { InstanceInfo } from '../provider.js';

let fx: AwsFixture | undefined;

afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function untilRunning(
  update: () => Promise<InstanceInfo[]>,
  count: number,
): Promise<InstanceInfo[]> {
  for (let i = 0; i < 200; i++) {
    await fx!.double.controls.settled();
    const list = await update();
    if (list.filter((x) => x.state === 'running').length >= count) return list;
  }
  throw new Error(`never reached ${count} running instances`);
}

describe('aws provider over the AWS double', () => {
  it('identifies the group as aws/<region>/<name> with its MaxSize', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 7 }] });
    const info = await fx.provider('runners').init();
    expect(info).toMatchObject({ id: 'aws/us-east-1/runners', maxSize: 7 });
  });

  it('caps maxSize at 1000 like fleeting-plugin-aws', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'huge', max: 5000 }] });
    expect((await fx.provider('huge').init()).maxSize).toBe(1000);
  });

  it('fails init with not_found when the group does not exist', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 3 }] });
    const err = await fx
      .provider('typo')
      .init()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpotrunnerError);
    expect((err as SpotrunnerError).code).toBe('not_found');
    expect((err as Error).message).toContain('"typo" not found');
  });

  it('logs an error but starts when new instances are not protected from scale-in', async () => {
    fx = await startAwsFixture({
      groups: [{ name: 'runners', max: 3, protectFromScaleIn: false }],
    });
    await fx.provider('runners').init();
    expect(fx.logger.messages('error').join('\n')).toMatch(/NewInstancesProtectedFromScaleIn/);
  });

  it('grows with SetDesiredCapacity (HonorCooldown false) and lists the new instances with details', async () => {
    fx = await startAwsFixture({
      groups: [
        {
          name: 'runners',
          max: 5,
          instanceTypes: ['m7i.large', 'm7g.large'],
          onDemandBaseCapacity: 1,
        },
      ],
      bootMs: 0,
    });
    const provider = fx.provider('runners');
    await provider.init();
    expect(await provider.increase(2)).toBe(2);
    const call = fx.double.controls.requests.find((r) => r.action === 'SetDesiredCapacity');
    expect(call?.params).toMatchObject({
      AutoScalingGroupName: 'runners',
      DesiredCapacity: '2',
      HonorCooldown: 'false',
    });
    const list = await untilRunning(() => provider.update(), 2);
    expect(list).toHaveLength(2);
    const byType = new Map(list.map((i) => [i.instanceType, i]));
    expect(byType.get('m7i.large')).toMatchObject({
      lifecycle: 'on-demand',
      zone: 'us-east-1a',
      state: 'running',
    });
    expect(byType.get('m7g.large')).toMatchObject({ lifecycle: 'spot', zone: 'us-east-1b' });
    expect(list.every((i) => typeof i.launchedAtMs === 'number' && i.id.startsWith('i-'))).toBe(
      true,
    );
  });

  it('reports creating before boot finishes, then running', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 2 }], bootMs: 60_000 });
    const provider = fx.provider('runners');
    await provider.init();
    await provider.increase(1);
    await fx.double.controls.settled();
    const [first] = await provider.update();
    expect(first).toMatchObject({ state: 'creating', detail: 'Pending' });
  });

  it('bounds increase by MaxSize and returns how many were really requested', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 3 }] });
    const provider = fx.provider('runners');
    await provider.init();
    expect(await provider.increase(5)).toBe(3);
    expect(await provider.increase(1)).toBe(0);
    expect(
      fx.double.controls.requests.filter((r) => r.action === 'SetDesiredCapacity'),
    ).toHaveLength(1);
  });

  it('adopts a desired capacity changed behind its back and logs out-of-sync capacity', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 5 }] });
    const provider = fx.provider('runners');
    await provider.init();
    await provider.increase(1);
    fx.double.controls.updateGroup('runners', { desired: 3 });
    await provider.update();
    const record = fx.logger.records.find((r) => r.msg === 'out-of-sync capacity');
    expect(record?.fields).toMatchObject({ expected: 1, actual: 3 });
    await provider.increase(1);
    const calls = fx.double.controls.requests.filter((r) => r.action === 'SetDesiredCapacity');
    expect(calls.at(-1)?.params.DesiredCapacity).toBe('4');
  });

  it('keeps its own desired count when a listing taken before its last change arrives after it', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 10 }], bootMs: 0 });
    const provider = fx.provider('runners');
    await provider.init();
    const c = fx.double.controls;
    const release = c.holdResponses('DescribeAutoScalingGroups');
    const seen = c.requests.length;
    const listing = provider.update(); // the double answers "desired 0", but late
    while (!c.requests.slice(seen).some((r) => r.action === 'DescribeAutoScalingGroups'))
      await new Promise((r) => setTimeout(r, 5));
    expect(await provider.increase(2)).toBe(2);
    release();
    await listing;
    expect(await provider.increase(1)).toBe(1);
    expect(c.group('runners').desired).toBe(3);
    // A withdrawal is not undone by a stale listing either.
    await c.settled();
    await provider.update();
    expect(c.group('runners').desired).toBe(3);
  });

  it('withdraws requested capacity the group never launched, never below what it holds', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 5 }], bootMs: 0 });
    const provider = fx.provider('runners');
    await provider.init();
    await provider.increase(1);
    await untilRunning(() => provider.update(), 1);
    fx.double.controls.failLaunches({ code: 'InsufficientInstanceCapacity' });
    expect(await provider.increase(2)).toBe(2);
    await fx.double.controls.settled();
    expect((await provider.update()).filter((i) => i.state !== 'deleting')).toHaveLength(1);
    // Asked to withdraw more than is missing: desired goes back to the one running instance.
    expect(await provider.cancelRequested(5)).toBe(2);
    const calls = fx.double.controls.requests.filter((r) => r.action === 'SetDesiredCapacity');
    expect(calls.at(-1)?.params).toMatchObject({ DesiredCapacity: '1', HonorCooldown: 'false' });
    expect(fx.double.controls.group('runners').desired).toBe(1);
    expect(await provider.cancelRequested(1)).toBe(0);
    expect(
      fx.double.controls.requests.filter((r) => r.action === 'SetDesiredCapacity'),
    ).toHaveLength(calls.length);
    // Capacity returns: nothing launches for the withdrawn requests.
    fx.double.controls.clearLaunchFailures();
    await fx.double.controls.settled();
    expect(await provider.update()).toHaveLength(1);
  });

  it('removes instances with TerminateInstanceInAutoScalingGroup and decrements desired', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 5 }] });
    const provider = fx.provider('runners');
    await provider.init();
    await provider.increase(3);
    const ids = (await untilRunning(() => provider.update(), 3)).map((i) => i.id);
    expect(await provider.decrease([ids[0]!])).toEqual([ids[0]]);
    const call = fx.double.controls.requests.find(
      (r) => r.action === 'TerminateInstanceInAutoScalingGroup',
    );
    expect(call?.params).toMatchObject({
      InstanceId: ids[0],
      ShouldDecrementDesiredCapacity: 'true',
    });
    const after = await provider.update();
    expect(after.find((i) => i.id === ids[0])?.state ?? 'gone').toMatch(/deleting|gone/);
    await fx.double.controls.settled();
    expect((await provider.update()).map((i) => i.id).sort()).toEqual(ids.slice(1).sort());
  });

  it('stops decreasing at the first error and returns the ids done so far', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 5 }] });
    const provider = fx.provider('runners');
    await provider.init();
    await provider.increase(3);
    const ids = (await untilRunning(() => provider.update(), 3)).map((i) => i.id);
    fx.double.controls.failAction('TerminateInstanceInAutoScalingGroup', {
      code: 'ResourceContention',
      message: 'You already have a pending update to an Auto Scaling resource',
      when: (p) => p.InstanceId === ids[1],
    });
    expect(await provider.decrease(ids)).toEqual([ids[0]]);
    const tried = fx.double.controls.requests.filter(
      (r) => r.action === 'TerminateInstanceInAutoScalingGroup',
    );
    expect(tried.map((r) => r.params.InstanceId)).toEqual([ids[0], ids[1]]);
    expect(fx.logger.messages('error')).toContain('instance removal failed');
  });

  it('throws when the first removal fails, with the AWS error translated', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 5 }] });
    const provider = fx.provider('runners');
    await provider.init();
    await provider.increase(1);
    const [only] = await untilRunning(() => provider.update(), 1);
    fx.double.controls.failAction('TerminateInstanceInAutoScalingGroup', {
      code: 'AccessDenied',
      message: 'not authorized',
      status: 403,
    });
    const err = await provider.decrease([only!.id]).catch((e: unknown) => e);
    expect((err as SpotrunnerError).code).toBe('provider_auth');
  });

  it('drops an instance that vanished from the group without a decrease', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 5 }] });
    const provider = fx.provider('runners');
    await provider.init();
    await provider.increase(2);
    const [gone, kept] = (await untilRunning(() => provider.update(), 2)).map((i) => i.id);
    fx.double.controls.vanish(gone!);
    const ids = (await provider.update()).map((i) => i.id);
    expect(ids).not.toContain(gone);
    expect(ids).toContain(kept);
  });
});
