/**
 * The contract every Provider passes (sim, local, static, aws). Call it from the provider's own
 * test file with a factory for a fresh, small group (maxSize ≤ 16):
 *
 *   describeProviderContract('sim', async () => ({ provider, clock, advance, cleanup }));
 *
 * Virtual-clock providers pass `advance` (time moves only when the suite says so); real ones
 * omit it and the suite polls with real time, bounded by `realTimeoutMs`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../platform/clock.js';
import type { InstanceInfo, Provider } from './provider.js';

export interface ProviderContractSubject {
  provider: Provider;
  clock: Clock;
  /** Moves a virtual clock forward (and lets the provider react). Omit for real time. */
  advance?: (ms: number) => Promise<void>;
  cleanup(): Promise<void>;
}

export interface ProviderContractOptions {
  /** Poll step (default 1 s virtual, 200 ms real). */
  pollMs?: number;
  /** Longest wait for a state change on a virtual clock (default 1 h). */
  virtualTimeoutMs?: number;
  /** Longest wait for a state change in real time (default 60 s). */
  realTimeoutMs?: number;
  /**
   * false for a provider whose instances are not dialed over SSH (the self provider: the manager
   * runs jobs as local processes). Its connectInfo then only has to name the instance, its OS and
   * architecture; an address, port and username would mean nothing.
   */
  reachedOverSsh?: boolean;
}

const MAX_CONTRACT_SIZE = 16;

type Predicate = (infos: InstanceInfo[]) => boolean;

async function waitFor(
  s: ProviderContractSubject,
  o: ProviderContractOptions,
  what: string,
  predicate: Predicate,
): Promise<InstanceInfo[]> {
  const virtual = s.advance !== undefined;
  const step = o.pollMs ?? (virtual ? 1_000 : 200);
  const budget = virtual ? (o.virtualTimeoutMs ?? 3_600_000) : (o.realTimeoutMs ?? 60_000);
  const start = s.clock.now();
  for (;;) {
    const infos = await s.provider.update();
    if (predicate(infos)) return infos;
    if (s.clock.now() - start >= budget) {
      throw new Error(`timed out after ${budget} ms waiting for ${what}: ${JSON.stringify(infos)}`);
    }
    if (s.advance) await s.advance(step);
    else await s.clock.sleep(step);
  }
}

const listed = (infos: InstanceInfo[], id: string): InstanceInfo | undefined =>
  infos.find((i) => i.id === id);

const isGone = (infos: InstanceInfo[], id: string): boolean => {
  const i = listed(infos, id);
  return i === undefined || i.state === 'deleting' || i.state === 'deleted';
};

const alive = (infos: InstanceInfo[]): InstanceInfo[] =>
  infos.filter((i) => i.state === 'creating' || i.state === 'running');

export function describeProviderContract(
  name: string,
  makeSubject: () => Promise<ProviderContractSubject>,
  options: ProviderContractOptions = {},
): void {
  describe(`provider contract: ${name}`, () => {
    let s: ProviderContractSubject;

    beforeEach(async () => {
      s = await makeSubject();
    });

    afterEach(async () => {
      await s.cleanup();
    });

    it('init returns an id and a positive maxSize', async () => {
      const info = await s.provider.init();
      expect(info.id).toMatch(/\S/);
      expect(info.maxSize).toBeGreaterThan(0);
    });

    // Groups smaller than the cases below (the self provider holds one instance) use all they have.
    it('increase(n) shows n new instances that go from creating to running', async () => {
      const n = Math.min(2, (await s.provider.init()).maxSize);
      const before = new Set((await s.provider.update()).map((i) => i.id));
      expect(await s.provider.increase(n)).toBe(n);
      const fresh = (infos: InstanceInfo[]): InstanceInfo[] =>
        infos.filter((i) => !before.has(i.id));
      const seen = new Set<string>();
      const done = await waitFor(s, options, `${n} running instances`, (infos) => {
        const mine = fresh(infos);
        for (const i of mine) seen.add(i.state);
        return mine.length === n && mine.every((i) => i.state === 'running');
      });
      expect(fresh(done)).toHaveLength(n);
      expect([...seen].every((state) => state === 'creating' || state === 'running')).toBe(true);
    });

    it('decrease removes exactly the given ids', async () => {
      const n = Math.min(3, (await s.provider.init()).maxSize);
      await s.provider.increase(n);
      const running = await waitFor(
        s,
        options,
        `${n} running instances`,
        (infos) => alive(infos).length === n && alive(infos).every((i) => i.state === 'running'),
      );
      const [victim, ...others] = alive(running).map((i) => i.id);
      expect(await s.provider.decrease([victim!])).toEqual([victim]);
      const after = await waitFor(s, options, `removal of ${victim}`, (infos) =>
        isGone(infos, victim!),
      );
      for (const id of others) expect(listed(after, id)?.state).toBe('running');
    });

    it('connectInfo of a running instance has an address, a port and a username (when dialed over SSH)', async () => {
      await s.provider.init();
      await s.provider.increase(1);
      const infos = await waitFor(s, options, 'a running instance', (list) =>
        list.some((i) => i.state === 'running'),
      );
      const id = infos.find((i) => i.state === 'running')!.id;
      const ci = await s.provider.connectInfo(id);
      expect(ci.id).toBe(id);
      expect(['linux', 'windows', 'darwin']).toContain(ci.os);
      expect(['amd64', 'arm64', '386']).toContain(ci.arch);
      if (options.reachedOverSsh === false) return;
      expect(ci.internalAddr ?? ci.externalAddr).toMatch(/\S/);
      expect(ci.port).toBeGreaterThan(0);
      expect(ci.username).toMatch(/\S/);
    });

    it('decrease of unknown ids does not throw and reports none of them', async () => {
      await s.provider.init();
      await expect(s.provider.decrease(['i-does-not-exist', 'i-nor-this'])).resolves.toEqual([]);
    });

    it('increase beyond maxSize is bounded by maxSize', async () => {
      const { maxSize } = await s.provider.init();
      expect(
        maxSize,
        `contract subjects must use a small group (maxSize ≤ ${MAX_CONTRACT_SIZE})`,
      ).toBeLessThanOrEqual(MAX_CONTRACT_SIZE);
      const existing = alive(await s.provider.update()).length;
      const got = await s.provider.increase(maxSize + 2);
      expect(got).toBeLessThanOrEqual(maxSize - existing);
      expect(got).toBeGreaterThanOrEqual(0);
      const now = alive(await s.provider.update()).length;
      expect(now).toBeLessThanOrEqual(maxSize);
      if (now === maxSize) expect(await s.provider.increase(1)).toBe(0);
    });

    it('shutdown can be called twice', async () => {
      await s.provider.init();
      await s.provider.shutdown();
      await expect(s.provider.shutdown()).resolves.toBeUndefined();
    });
  });
}
