import { describe, expect, it } from 'vitest';
import { startScriptedFleet, type FleetHarness } from './testing/fleet-harness.js';
import type { ScriptedProvider } from './testing/scripted-provider.js';

const MIN = 60_000;
const always = (idleCount: number, idleTimeMs = 60 * MIN) => ({
  policies: [{ periods: ['* * * * *'], idleCount, idleTimeMs }],
});

/** Error log lines other than the expected loss report (a refused phase change shows here). */
function unexpectedErrors(h: FleetHarness<ScriptedProvider>): string[] {
  return h.logger.records
    .filter((r) => r.level === 'error' && r.msg !== 'instance unexpectedly removed')
    .map((r) => `${r.msg} ${JSON.stringify(r.fields)}`);
}

function listed(h: FleetHarness<ScriptedProvider>, id: string): boolean {
  return h.fleet.status().instances.some((i) => i.id === id);
}

/** Each lifecycle path of INSTANCE_TRANSITIONS, driven through the engine, ends with the instance gone. */
describe('fleet instance phases through the engine', () => {
  it('creating → lost → gone: an instance that vanishes while booting', async () => {
    const h = await startScriptedFleet({ fleet: always(1) });
    await h.advance(0);
    const [id] = h.provider.ids('creating');
    await h.fleet.refresh();
    expect(listed(h, id!)).toBe(true);
    h.provider.vanish(id!);
    await h.fleet.refresh();
    expect(listed(h, id!)).toBe(false);
    expect(h.logs('instance unexpectedly removed')).toHaveLength(1);
    expect(unexpectedErrors(h)).toEqual([]);
  });

  it('ready → lost → gone: reported deleting without our request, then no longer listed', async () => {
    const h = await startScriptedFleet({ fleet: always(1) });
    await h.advance(0);
    h.provider.runAll();
    await h.advance(2_000);
    const a = await h.fleet.acquire('a');
    h.provider.setState(a.instanceId, 'deleting');
    await h.fleet.refresh();
    expect(a.signal.aborted).toBe(true);
    expect(listed(h, a.instanceId)).toBe(true);
    h.provider.reap();
    await h.fleet.refresh();
    expect(listed(h, a.instanceId)).toBe(false);
    h.fleet.release('a');
    expect(unexpectedErrors(h)).toEqual([]);
  });

  it('ready → draining → lost → gone: drained by a rebalance notice, then taken', async () => {
    const h = await startScriptedFleet({ fleet: always(1) });
    await h.advance(0);
    h.provider.runAll();
    await h.advance(2_000);
    const a = await h.fleet.acquire('a');
    h.provider.interrupt(a.instanceId, { kind: 'rebalance', deadlineMs: h.clock.now() });
    await h.fleet.refresh();
    expect(h.fleet.status().instances.find((i) => i.id === a.instanceId)?.status).toBe('draining');
    h.provider.vanish(a.instanceId);
    await h.fleet.refresh();
    expect(a.signal.aborted).toBe(true);
    expect(listed(h, a.instanceId)).toBe(false);
    expect(unexpectedErrors(h)).toEqual([]);
  });

  it('ready → removing → gone: drained empty, removed on request', async () => {
    const h = await startScriptedFleet({ fleet: always(1) });
    await h.advance(0);
    h.provider.runAll();
    await h.advance(2_000);
    const [id] = h.provider.ids('running');
    expect(h.fleet.drain(id!, 'operator')).toBe(true);
    await h.advance(0);
    expect(h.provider.decreases).toContainEqual([id]);
    await h.fleet.refresh();
    h.provider.reap();
    await h.fleet.refresh();
    expect(listed(h, id!)).toBe(false);
    expect(h.logs('instance unexpectedly removed')).toEqual([]);
    expect(unexpectedErrors(h)).toEqual([]);
  });
});
