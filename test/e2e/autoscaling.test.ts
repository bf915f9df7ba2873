import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/platform/clock.js';
import { useE2e } from './use-e2e.js';

const clock = new SystemClock();
const e2e = useE2e();

describe('the local fleet', () => {
  it('scales up from zero for a burst of jobs and back to zero after idle_time', async () => {
    const h = await e2e.start({
      config: { capacityPerInstance: 2, maxInstances: 3, idleTime: '2s', idleCount: 0 },
    });
    const instancesDir = join(h.dataDir, 'instances');
    const project = await h.createProject('fan-out');
    expect(h.instances()).toEqual([]);

    const counts: { atMs: number; instances: number; busy: number }[] = [];
    let sampling = true;
    const sampler = (async (): Promise<void> => {
      while (sampling) {
        const instances = h.instances();
        counts.push({
          atMs: clock.now(),
          instances: instances.length,
          busy: instances.filter((i) => i.slotsInUse > 0).length,
        });
        await clock.sleep(100);
      }
    })();

    const pipeline = await h.runPipeline(project.id);
    const finishedAtMs = clock.now();
    expect(pipeline.jobs).toHaveLength(6);
    expect(pipeline.jobs.every((j) => j.status === 'success')).toBe(true);
    const peak = Math.max(...counts.map((c) => c.instances));
    expect(peak).toBe(3);
    expect(Math.max(...counts.map((c) => c.busy))).toBe(3);
    expect(counts[0]?.instances).toBe(0);
    // Six concurrent jobs on three instances of capacity 2: every instance served two.
    const perInstance = new Map<string, number>();
    for (const job of pipeline.jobs) {
      const on = /Running on (local-\S+) \(slot/.exec(h.trace(job.id))?.[1];
      expect(on).toBeDefined();
      perInstance.set(on!, (perInstance.get(on!) ?? 0) + 1);
    }
    expect([...perInstance.values()].sort()).toEqual([2, 2, 2]);
    const instanceDirs = async (): Promise<string[]> =>
      (await readdir(instancesDir)).filter((n) => /^local-[0-9a-f]+-\d+$/.test(n));
    expect(await instanceDirs()).toHaveLength(3);

    await h.waitFor('the fleet to scale back to zero', () => h.instances().length === 0, 20_000);
    const zeroAtMs = clock.now();
    sampling = false;
    await sampler;
    // Not before idle_time (2 s) has passed since the jobs ended.
    expect(zeroAtMs - finishedAtMs).toBeGreaterThanOrEqual(1_500);
    expect(await instanceDirs()).toEqual([]);
    const removals = h.logs.records.filter((r) => r.msg === 'local instance removed');
    expect(removals.length).toBeGreaterThanOrEqual(3);
  });
});
