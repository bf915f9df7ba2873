import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../platform/random.js';
import { activePolicy, ActivePolicyCache, compilePolicySchedule } from './active-policy.js';
import { testPolicy, type TestPolicy } from './testing/test-options.js';
import { compilePeriod } from './period-matcher.js';

const schedule = (...policies: TestPolicy[]) => compilePolicySchedule(policies.map(testPolicy));
const at = (iso: string) => Date.parse(iso);

describe('activePolicy', () => {
  const weekdays = (idleCount: number, timezone = 'Europe/Berlin'): TestPolicy => ({
    periods: ['* 8-17 * * mon-fri'],
    timezone,
    idleCount,
    idleTimeMs: 600_000,
  });
  const always: TestPolicy = { periods: ['* * * * *'], idleCount: 1, idleTimeMs: 300_000 };

  it('picks the last policy whose period contains now', () => {
    const s = schedule(always, weekdays(10));
    // Monday 2026-01-05 09:30 in Berlin (08:30 UTC).
    expect(activePolicy(s, at('2026-01-05T08:30:00Z'))).toMatchObject({
      index: 1,
      fallback: false,
    });
    expect(activePolicy(s, at('2026-01-05T08:30:00Z')).policy.idleCount).toBe(10);
    // Saturday.
    expect(activePolicy(s, at('2026-01-10T08:30:00Z'))).toMatchObject({ index: 0 });
  });

  it('switches at the period boundary in the policy time zone', () => {
    const s = schedule(always, weekdays(10));
    // 08:00 Berlin = 07:00 UTC in winter.
    expect(activePolicy(s, at('2026-01-05T06:59:59Z')).index).toBe(0);
    expect(activePolicy(s, at('2026-01-05T07:00:00Z')).index).toBe(1);
    expect(activePolicy(s, at('2026-01-05T16:59:59Z')).index).toBe(1);
    expect(activePolicy(s, at('2026-01-05T17:00:00Z')).index).toBe(0);
    // Summer time: 08:00 Berlin = 06:00 UTC.
    expect(activePolicy(s, at('2026-07-06T06:00:00Z')).index).toBe(1);
    const ny = schedule(always, weekdays(3, 'America/New_York'));
    expect(activePolicy(ny, at('2026-01-05T12:59:00Z')).index).toBe(0);
    expect(activePolicy(ny, at('2026-01-05T13:00:00Z')).index).toBe(1);
  });

  it('falls back to idle_count 0 and idle_time 5m when no period matches', () => {
    const s = schedule(weekdays(10));
    const a = activePolicy(s, at('2026-01-10T12:00:00Z'));
    expect(a).toMatchObject({ index: -1, fallback: true });
    expect(a.policy).toMatchObject({ idleCount: 0, idleTimeMs: 300_000 });
  });

  it('defaults preemptive mode to idle_count > 0', () => {
    const s = schedule(
      { ...always, idleCount: 0 },
      { ...always, idleCount: 2, periods: ['* * * * sun'] },
    );
    expect(activePolicy(s, at('2026-01-05T12:00:00Z')).policy.preemptiveMode).toBe(false);
    expect(activePolicy(s, at('2026-01-04T12:00:00Z')).policy.preemptiveMode).toBe(true);
  });

  it('treats day-of-week 0 and 7 as Sunday', () => {
    const sunday = at('2026-01-04T12:00:00Z');
    expect(compilePeriod('* * * * 0', 'UTC').matches(sunday)).toBe(true);
    expect(compilePeriod('* * * * 7', 'UTC').matches(sunday)).toBe(true);
    expect(compilePeriod('* * * * 1-5', 'UTC').matches(sunday)).toBe(false);
  });

  it('rejects a malformed period or an unknown zone', () => {
    expect(() => compilePeriod('* * * *', 'UTC')).toThrow(/invalid policy period/);
    expect(() => compilePeriod('* * * * *', 'Mars/Olympus')).toThrow(/unknown policy timezone/);
  });

  it('caches the answer per minute and recomputes on the next one', () => {
    const cache = new ActivePolicyCache(schedule(always, weekdays(10)));
    expect(cache.get(at('2026-01-05T06:59:00Z')).index).toBe(0);
    expect(cache.get(at('2026-01-05T06:59:59Z')).index).toBe(0);
    expect(cache.get(at('2026-01-05T07:00:00Z')).index).toBe(1);
  });
});

describe('compilePeriod', () => {
  const patterns = [
    '* * * * *',
    '*/15 9-17 * * mon-fri',
    '0-29 0,12 1-15 * *',
    '* * 1 * mon',
    '30 2 * jan,jul sat,sun',
    '* * L * *',
    '* * * * 5#2',
    '5-59/10 */3 */2 */4 *',
  ];
  const zones = [
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
  ];

  it('agrees with croner on random instants across zones and DST changes', () => {
    const rng = new SeededRandom(42);
    for (const pattern of patterns) {
      for (const zone of zones) {
        const fast = compilePeriod(pattern, zone);
        const slow = new Cron(pattern, { timezone: zone, mode: '5-part' });
        for (let i = 0; i < 300; i++) {
          const t = Date.UTC(2026, 0, 1) + Math.floor(rng.next() * 365 * 86_400_000);
          const minute = new Date(Math.floor(t / 60_000) * 60_000);
          expect(fast.matches(t), `${pattern} ${zone} ${minute.toISOString()}`).toBe(
            slow.match(minute),
          );
        }
      }
    }
  });

  it('agrees with croner minute by minute around daylight-saving changes', () => {
    const cases: [string, string][] = [
      ['Europe/Berlin', '2026-03-29T00:00:00Z'],
      ['Europe/Berlin', '2026-10-25T00:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T13:00:00Z'],
      ['Australia/Lord_Howe', '2026-10-03T13:00:00Z'],
      ['America/New_York', '2026-03-08T05:00:00Z'],
    ];
    for (const [zone, fromIso] of cases) {
      const fast = compilePeriod('0-40 1-3 * * *', zone);
      const slow = new Cron('0-40 1-3 * * *', { timezone: zone, mode: '5-part' });
      const from = Date.parse(fromIso);
      for (let m = 0; m < 6 * 60; m++) {
        const t = from + m * 60_000;
        expect(fast.matches(t), `${zone} ${new Date(t).toISOString()}`).toBe(
          slow.match(new Date(t)),
        );
      }
    }
  });
});
