import { afterEach, describe, expect, it } from 'vitest';
import { startAwsFixture, type AwsFixture } from '../../../test/support/aws/aws-fixture.js';
import type { InstanceInfo } from '../provider.js';

let fx: AwsFixture | undefined;

afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const HELD =
  'instance removal held: the group is at its MinSize; it is removed once the group allows it';

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

function terminations(): { id: unknown; decrement: unknown }[] {
  return fx!.double.controls.requests
    .filter((r) => r.action === 'TerminateInstanceInAutoScalingGroup')
    .map((r) => ({ id: r.params.InstanceId, decrement: r.params.ShouldDecrementDesiredCapacity }));
}

describe('aws provider and a group whose MinSize is above 0', () => {
  it('holds a removal the group refuses, never retries it, and issues it once MinSize is lowered', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 5, min: 1, desired: 1 }] });
    const provider = fx.provider('runners');
    await provider.init();
    expect(fx.logger.messages('error')).toContain(
      'auto scaling group has MinSize above 0: its last instances cannot be removed',
    );
    const [only] = await untilRunning(() => provider.update(), 1);
    const id = only!.id;

    expect(await provider.decrease([id])).toEqual([id]);
    expect(terminations()).toEqual([]);
    for (let poll = 0; poll < 3; poll++) {
      const listed = (await provider.update()).find((i) => i.id === id);
      expect(listed).toMatchObject({ state: 'deleting' });
      expect(listed?.detail).toContain('removal held by MinSize 1');
      expect(await provider.decrease([id])).toEqual([id]);
    }
    expect(terminations()).toEqual([]);
    expect(fx.logger.messages('error').filter((m) => m === HELD)).toHaveLength(1);
    expect(fx.logger.messages('error')).not.toContain('instance removal failed');
    expect(fx.double.controls.group('runners').desired).toBe(1);

    fx.double.controls.updateGroup('runners', { min: 0 });
    await provider.update();
    expect(terminations()).toEqual([{ id, decrement: 'true' }]);
    await fx.double.controls.settled();
    expect(await provider.update()).toEqual([]);
    expect(fx.double.controls.group('runners').desired).toBe(0);
  });

  it('removes down to MinSize and holds the rest', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 5, min: 1, desired: 1 }] });
    const provider = fx.provider('runners');
    await provider.init();
    await provider.increase(2);
    const ids = (await untilRunning(() => provider.update(), 3)).map((i) => i.id);
    expect((await provider.decrease(ids)).sort()).toEqual([...ids].sort());
    expect(terminations().map((t) => t.id)).toEqual(ids.slice(0, 2));
    expect(fx.double.controls.group('runners').desired).toBe(1);
    const listed = await provider.update();
    expect(listed.find((i) => i.id === ids[2])?.detail).toContain('removal held by MinSize 1');
  });

  it('holds a removal AWS refuses after MinSize was raised behind its back', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 5 }] });
    const provider = fx.provider('runners');
    await provider.init();
    await provider.increase(2);
    const [a] = (await untilRunning(() => provider.update(), 2)).map((i) => i.id);
    fx.double.controls.updateGroup('runners', { min: 2 });
    expect(await provider.decrease([a!])).toEqual([a]);
    expect(terminations()).toHaveLength(1);
    expect(fx.logger.messages('error')).toContain(HELD);
    expect(fx.logger.messages('error')).not.toContain('instance removal failed');
    expect((await provider.update()).find((i) => i.id === a)).toMatchObject({ state: 'deleting' });
    expect(terminations()).toHaveLength(1);
  });
});
