import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAwsFixture, type AwsFixture } from '../../../test/support/aws/aws-fixture.js';
import { SystemClock } from '../../platform/clock.js';
import { MemoryLogger } from '../../platform/logger.js';
import type { InstanceInfo } from '../../providers/provider.js';
import { openStateStore } from './state-store.js';

let fx: AwsFixture | undefined;
let dir: string | undefined;

afterEach(async () => {
  await fx?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  fx = dir = undefined;
});

async function untilRunning(update: () => Promise<InstanceInfo[]>): Promise<InstanceInfo> {
  for (let i = 0; i < 200; i++) {
    await fx!.double.controls.settled();
    const running = (await update()).find((x) => x.state === 'running');
    if (running) return running;
  }
  throw new Error('no instance ever ran');
}

function terminations(): unknown[] {
  return fx!.double.controls.requests
    .filter((r) => r.action === 'TerminateInstanceInAutoScalingGroup')
    .map((r) => r.params.InstanceId);
}

describe('removals held at MinSize, kept in the state file', () => {
  it('are still on their way out after a restart, and issued once MinSize allows', async () => {
    fx = await startAwsFixture({ groups: [{ name: 'runners', max: 5, min: 1, desired: 1 }] });
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-held-'));
    const file = join(dir, 'state.json');
    const deps = { clock: new SystemClock(), logger: new MemoryLogger() };
    const store = await openStateStore(deps, file);
    const first = fx.provider(
      'runners',
      {},
      { heldRemovals: store.heldRemovals('spot', 'runners') },
    );
    await first.init();
    const { id } = await untilRunning(() => first.update());
    expect(await first.decrease([id])).toEqual([id]);
    await store.flush();
    await first.shutdown();

    // The manager dies here; the next one reads the state file and builds a new provider.
    const reopened = await openStateStore(deps, file);
    const second = fx.provider(
      'runners',
      {},
      { heldRemovals: reopened.heldRemovals('spot', 'runners') },
    );
    await second.init();
    expect((await second.update()).find((i) => i.id === id)).toMatchObject({
      state: 'deleting',
      detail: expect.stringContaining('removal held by MinSize 1') as unknown,
    });
    expect(terminations()).toEqual([]);

    fx.double.controls.updateGroup('runners', { min: 0 });
    await second.update();
    expect(terminations()).toEqual([id]);
    await reopened.flush();
    const onDisk = JSON.parse(await readFile(file, 'utf8')) as {
      runners: { spot: { heldRemovals: Record<string, string[]> } };
    };
    expect(onDisk.runners.spot.heldRemovals).toEqual({});
  });

  it('reads a state file written before held removals existed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'spotrunner-held-'));
    const file = join(dir, 'state.json');
    await writeFile(file, JSON.stringify({ version: 1, savedAtMs: 1, runners: { spot: {} } }));
    const store = await openStateStore(
      { clock: new SystemClock(), logger: new MemoryLogger() },
      file,
    );
    expect(store.heldRemovals('spot', 'runners').load()).toEqual([]);
  });
});
