import { describe, expect, it } from 'vitest';
import { SpotrunnerError } from '../platform/errors.js';
import type { ReadyUpFn } from './options.js';
import { startScriptedFleet } from './testing/fleet-harness.js';

const MIN = 60_000;
const always = (idleCount: number) => ({
  policies: [{ periods: ['* * * * *'], idleCount, idleTimeMs: 5 * MIN }],
});

const refused = (): SpotrunnerError =>
  new SpotrunnerError(
    'connect',
    'ssh connection to test@10.0.0.1:22 failed: connect ECONNREFUSED',
    {
      retryable: true,
    },
  );

/** A ready-up whose first `failures` attempts fail with `error`; records when each ran. */
function failingFirst(
  failures: number,
  error: () => Error,
  now: () => number,
): { readyUp: ReadyUpFn; attemptsAtMs: number[] } {
  const attemptsAtMs: number[] = [];
  const readyUp: ReadyUpFn = () => {
    attemptsAtMs.push(now());
    return attemptsAtMs.length <= failures ? Promise.reject(error()) : Promise.resolve();
  };
  return { readyUp, attemptsAtMs };
}

describe('ready-up of an instance whose sshd is not answering yet', () => {
  it('keeps connecting with backoff until sshd answers, and uses that one instance', async () => {
    let now = (): number => 0;
    const script = failingFirst(6, refused, () => now());
    const h = await startScriptedFleet({
      fleet: always(1),
      readyUp: script.readyUp,
      setup: (p) => (p.autoRun = true),
    });
    now = () => h.clock.now();
    await h.advance(2 * MIN);
    expect(h.count('ready')).toBe(1);
    expect(script.attemptsAtMs).toHaveLength(7);
    expect(h.provider.increases).toEqual([1]);
    expect(h.provider.decreases).toEqual([]);
    expect(h.fleet.counters()).toMatchObject({ readyUpFailures: 0, startTimeouts: 0 });
    expect(h.logs('instance not reachable yet; retrying')).toHaveLength(6);
    // Backed off between attempts (jittered, at least half the exponential step), not a hot loop.
    const gaps = script.attemptsAtMs.slice(1).map((t, i) => t - script.attemptsAtMs[i]!);
    gaps.forEach((gap, i) =>
      expect(gap).toBeGreaterThanOrEqual(Math.min(15_000, 1_000 * 2 ** i) / 2),
    );
    expect(Math.max(...gaps)).toBeLessThanOrEqual(15_000);
  });

  it('fetches fresh connect info for each attempt', async () => {
    const addrs: (string | undefined)[] = [];
    let calls = 0;
    const readyUp: ReadyUpFn = ({ connectInfo }) => {
      addrs.push(connectInfo.internalAddr);
      return ++calls <= 2 ? Promise.reject(refused()) : Promise.resolve();
    };
    const h = await startScriptedFleet({
      fleet: always(1),
      readyUp,
      setup: (p) => (p.autoRun = true),
    });
    let fetched = 0;
    const inner = h.provider.connectInfo.bind(h.provider);
    h.provider.connectInfo = (id) => {
      fetched++;
      return inner(id);
    };
    await h.advance(MIN);
    expect(h.count('ready')).toBe(1);
    expect(fetched).toBe(3);
    expect(h.provider.increases).toEqual([1]);
  });

  it('fails the start at instance_start_timeout, naming the last error', async () => {
    const script = failingFirst(Number.POSITIVE_INFINITY, refused, () => 0);
    const h = await startScriptedFleet({
      fleet: { ...always(1), instanceStartTimeoutMs: 3 * MIN, readyUpBackoffBaseMs: 10 * MIN },
      readyUp: script.readyUp,
      setup: (p) => (p.autoRun = true),
    });
    await h.advance(2 * MIN + 50_000);
    expect(h.provider.decreases).toEqual([]);
    expect(h.count('readying')).toBe(1);
    await h.advance(MIN);
    expect(h.provider.decreases).toEqual([['i-1']]);
    const [failed] = h.logs('instance ready-up failed');
    expect(failed?.fields.err).toMatch(
      /not ready 3m after it was first listed \(instance_start_timeout\); last error: .*ECONNREFUSED/,
    );
    expect(h.fleet.counters()).toMatchObject({ readyUpFailures: 1, startTimeouts: 1 });
    expect(h.provider.increases).toEqual([1]);
  });

  it('removes the instance at once on a failure retrying cannot fix', async () => {
    const mismatch = (): Error =>
      new SpotrunnerError('host_key_mismatch', 'host key mismatch for test@10.0.0.1:22');
    const script = failingFirst(1, mismatch, () => 0);
    const h = await startScriptedFleet({
      fleet: always(1),
      readyUp: script.readyUp,
      setup: (p) => (p.autoRun = true),
    });
    await h.advance(2_000);
    expect(script.attemptsAtMs).toHaveLength(1);
    expect(h.provider.decreases).toEqual([['i-1']]);
    expect(h.logs('instance ready-up failed')[0]?.fields.err).toMatch(/host key mismatch/);
    expect(h.logs('instance not reachable yet; retrying')).toEqual([]);
  });

  it('stops retrying an instance that is removed meanwhile', async () => {
    const script = failingFirst(Number.POSITIVE_INFINITY, refused, () => 0);
    const h = await startScriptedFleet({
      fleet: always(1),
      readyUp: script.readyUp,
      setup: (p) => (p.autoRun = true),
    });
    await h.advance(5_000);
    const tried = script.attemptsAtMs.length;
    expect(tried).toBeGreaterThan(1);
    h.provider.vanish('i-1');
    await h.advance(MIN);
    // One more attempt at most may have been under way; then no more for the lost instance.
    const afterLoss = h
      .logs('instance not reachable yet; retrying')
      .filter((r) => r.fields.instance === 'i-1').length;
    await h.advance(5 * MIN);
    expect(
      h.logs('instance not reachable yet; retrying').filter((r) => r.fields.instance === 'i-1'),
    ).toHaveLength(afterLoss);
  });
});

describe('when an instance became running', () => {
  it('shows the running time in the view: the boot ends there and the ready-up takes the rest', async () => {
    let sleep = (_ms: number): Promise<void> => Promise.resolve();
    const h = await startScriptedFleet({ fleet: always(1), readyUp: () => sleep(12_000) });
    sleep = (ms) => h.clock.sleep(ms);
    await h.advance(20_000);
    const [creating] = h.fleet.status().instances;
    expect(creating?.runningAtMs).toBeUndefined();
    h.provider.setState(creating!.id, 'running');
    await h.advance(MIN);
    const [view] = h.fleet.status().instances;
    expect(view?.status).toBe('ready');
    expect(view!.runningAtMs!).toBeGreaterThanOrEqual(view!.launchedAtMs! + 20_000);
    expect(view!.readyAtMs! - view!.runningAtMs!).toBe(12_000);
  });
});
