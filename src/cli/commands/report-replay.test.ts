import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../platform/errors.js';
import type { ReplayComparison } from '../../manager/history/replay-comparison.js';
import {
  BOOT_S,
  fixtureRecords,
  IDLE_S,
  JOBS,
  makeFixture,
  PICKUP_S,
  runMinutes,
  runReport,
  type Fixture,
} from '../testing/report-fixture.js';

let fx: Fixture;
beforeEach(async () => {
  fx = await makeFixture();
});
afterEach(async () => {
  await fx.cleanup();
});

const ON_DEMAND_T4G_MEDIUM = 0.0336;
/** The fleet engine's update poll backs off while a boot drags on (fleet/update-loop.ts). */
const POLL_S = 15;
const sumRunHours = (): number =>
  Array.from({ length: JOBS }, (_, k) => runMinutes(k)).reduce((a, b) => a + b, 0) / 60;

/** `spotrunner report` on the fixture's history and config. */
function reportWithConfig(...extra: string[]): ReturnType<typeof runReport> {
  return runReport(['--state-dir', fx.stateDir, '--config', fx.config, ...extra]);
}

async function replayJson(extra: string[] = []): Promise<ReplayComparison> {
  const { out } = await reportWithConfig('--json', ...extra);
  return (JSON.parse(out) as { replay: ReplayComparison }).replay;
}

describe('spotrunner report --config', () => {
  it('replays the recorded jobs: busy hours are the sum of their run times, both ways', async () => {
    const c = await replayJson();
    expect(c.jobs).toEqual({ realized: JOBS, replayed: JOBS, difference: 0 });
    expect(c.hours.busy.realized).toBeCloseTo(sumRunHours(), 6);
    expect(c.hours.busy.replayed).toBeCloseTo(sumRunHours(), 6);
    expect(Math.abs(c.hours.busy.difference)).toBeLessThan(1e-6);
    // Jobs two hours apart with idle_time 5m: one launch per job, each idles ~5 min after it.
    expect(c.instances).toMatchObject({ realized: JOBS, replayed: JOBS });
    expect(c.hours.idle.realized).toBeCloseTo((JOBS * IDLE_S) / 3600, 6);
    expect(c.hours.idle.replayed).toBeGreaterThan((JOBS * (IDLE_S - 10)) / 3600);
    expect(c.hours.idle.replayed).toBeLessThan((JOBS * (IDLE_S + 30)) / 3600);
  });

  it('prices the replay with the recorded type and lifecycle and boots it as fast as recorded', async () => {
    const c = await replayJson();
    expect(c.settings).toMatchObject({
      runner: 'test',
      instanceType: 't4g.medium',
      lifecycle: 'on-demand',
      bootMedianMs: BOOT_S * 1000,
      interruptionsPerInstanceHour: 0,
      idleTimeMs: IDLE_S * 1000,
    });
    const realizedBilled = (JOBS * (BOOT_S + IDLE_S)) / 3600 + sumRunHours();
    expect(c.hours.billed.realized).toBeCloseTo(realizedBilled, 6);
    expect(c.costUsd.realized).toBeCloseTo(realizedBilled * ON_DEMAND_T4G_MEDIUM, 6);
    expect(c.costUsd.replayed).toBeCloseTo(c.hours.billed.replayed * ON_DEMAND_T4G_MEDIUM, 5);
    // Booted in the recorded 90 s (no spread), then seen on the engine's next poll.
    expect(c.hours.boot.replayed).toBeGreaterThanOrEqual((JOBS * BOOT_S) / 3600);
    expect(c.hours.boot.replayed).toBeLessThanOrEqual((JOBS * (BOOT_S + POLL_S)) / 3600);
    expect(c.method.join('\n')).toContain(
      'boot time: median 90.0 s, log-normal sigma 0.00, of 6 recorded boots',
    );
  });

  it('replays local instances (no type, no price) on the config type and says the realized cost leaves them out', async () => {
    await fx.cleanup();
    const local = fixtureRecords().map((r) =>
      r.kind === 'instance' ? { ...r, instanceType: undefined, lifecycle: undefined } : r,
    );
    fx = await makeFixture(local, { idleTime: '5m', instanceType: 'c7g.large' });
    const c = await replayJson();
    expect(c.settings).toMatchObject({ instanceType: 'c7g.large', lifecycle: 'spot' });
    expect(c.costUsd.realized).toBe(0);
    expect(c.costUsd.replayed).toBeGreaterThan(0);
    expect(c.method.join('\n')).toContain(
      'realized instance-hours are on types without a price (local, static)',
    );
    expect(c.method.join('\n')).not.toContain('as recorded');
  });

  it('puts the realized waits beside the replayed ones: every job waited for a cold start', async () => {
    const c = await replayJson();
    expect(c.queueWaitSeconds.p50.realized).toBe(PICKUP_S + BOOT_S);
    expect(c.queueWaitSeconds.p95.realized).toBe(PICKUP_S + BOOT_S);
    expect(c.realizedOnly.instanceWaitSeconds).toEqual({ p50: BOOT_S, p95: BOOT_S });
    expect(c.realizedOnly.pickupSeconds).toEqual({ p50: PICKUP_S, p95: PICKUP_S });
    expect(c.coldStarts).toMatchObject({ realized: JOBS, replayed: JOBS });
    // Every recorded boot took 90 s (no spread): a replayed wait is that boot, the engine's
    // poll that sees it running, and the runner's check_interval poll (3 s).
    for (const p of [c.queueWaitSeconds.p50, c.queueWaitSeconds.p95]) {
      expect(p.replayed).toBeGreaterThanOrEqual(BOOT_S);
      expect(p.replayed).toBeLessThanOrEqual(BOOT_S + POLL_S + 3);
    }
  });

  it('prints the comparison as text with the differences and how the method differs', async () => {
    const { out } = await reportWithConfig();
    expect(out).toContain('Replay of the recorded jobs (runner "test": t4g.medium on-demand');
    const busy = out.split('\n').find((l) => l.trim().startsWith('busy hours'));
    expect(busy?.trim().split(/\s{2,}/)).toEqual([
      'busy hours',
      sumRunHours().toFixed(2),
      sumRunHours().toFixed(2),
      '±0.00',
    ]);
    expect(out).toMatch(/queue wait p50\s+92 s/);
    expect(out).toContain('How the replay differs in method:');
  });

  it('replays only the runner named by --runner and refuses one with no recorded jobs', async () => {
    await fx.cleanup();
    const both = [
      ...fixtureRecords(),
      ...fixtureRecords().map((r) =>
        r.kind === 'job'
          ? { ...r, runner: 'other', jobId: r.jobId + 100, instanceId: `o-${r.instanceId}` }
          : { ...r, runner: 'other', instanceId: `o-${r.instanceId}` },
      ),
    ];
    fx = await makeFixture(both);
    const c = await replayJson(['--runner', 'test']);
    expect(c.jobs).toMatchObject({ realized: JOBS, replayed: JOBS });
    expect(c.instances.realized).toBe(JOBS);
    expect(c.hours.busy.realized).toBeCloseTo(sumRunHours(), 6);
    await fx.cleanup();
    const other = fixtureRecords().map((r) => ({ ...r, runner: 'other' }));
    fx = await makeFixture(other);
    await expect(reportWithConfig('--runner', 'test')).rejects.toThrow(
      /no recorded job of runner "test" ran in the period \(recorded runners: other\)/,
    );
    await expect(reportWithConfig('--runner', 'nope')).rejects.toThrow(UserError);
  });

  it('refuses --sweep and --runner without --config', async () => {
    await expect(runReport(['--state-dir', fx.stateDir, '--sweep'])).rejects.toThrow(
      /--sweep .*give --config FILE/,
    );
    await expect(runReport(['--state-dir', fx.stateDir, '--runner', 'test'])).rejects.toThrow(
      /--config/,
    );
  });
});

describe('spotrunner report --sweep', () => {
  /** Replays idle_time 1m and 30m against a 5-minute p95 wait target. */
  const sweepIdleTime = (...extra: string[]): ReturnType<typeof runReport> =>
    reportWithConfig('--sweep', 'idle_time=1m,30m', '--wait-target', '5m', ...extra);

  it('recommends the cheapest idle_time meeting the wait target, beside the current setting', async () => {
    const { out } = await sweepIdleTime('--sweep', 'capacity=1', '--json');
    const json = JSON.parse(out) as {
      sweep: {
        rows: Array<{ settings: Record<string, string>; costPerMonthUsd: number }>;
        advice: {
          current: { label: string; costPerMonthUsd: number };
          realized: { p95WaitSeconds: number };
          recommended: {
            settings: Record<string, string>;
            meetsTarget: boolean;
            costPerMonthUsd: number;
          };
        };
      };
    };
    const { rows, advice } = json.sweep;
    expect(rows.map((r) => r.settings['idle_time'])).toEqual(['1m', '30m']);
    // Jobs two hours apart: each waits for a boot whatever the idle time, so the shortest wins.
    expect(advice.recommended.settings).toEqual({ idle_time: '1m', capacity: '1' });
    expect(advice.recommended.meetsTarget).toBe(true);
    expect(advice.recommended.costPerMonthUsd).toBeLessThan(rows[1]!.costPerMonthUsd);
    expect(advice.current.label).toBe('idle_time=5m0s idle_count=0 capacity=1');
    expect(advice.current.costPerMonthUsd).toBeGreaterThan(advice.recommended.costPerMonthUsd);
    expect(advice.current.costPerMonthUsd).toBeLessThan(rows[1]!.costPerMonthUsd);
    expect(advice.realized.p95WaitSeconds).toBe(PICKUP_S + BOOT_S);
  });

  it('prints the sweep table and the advice as text', async () => {
    const { out } = await sweepIdleTime();
    expect(out).toContain('sweep: 2 setting(s) replayed over 6 jobs');
    expect(out).toContain('Advice (p95 queue wait target 5m00s)');
    expect(out).toMatch(/current setting \(idle_time=5m0s idle_count=0 capacity=1\): replayed \$/);
    expect(out).toMatch(/recommended \(idle_time=1m\): \$[\d.]+\/month, p95 [\dms ]+; -\$/);
  });
});
