import { describe, expect, it } from 'vitest';
import {
  activePolicyIndex,
  checkPeriod,
  createPeriodMatcher,
  isInPeriods,
  isValidTimezone,
  normalizeTimezone,
} from './cron-periods.js';
import { describePeriod, describePeriods } from './period-words.js';
import { providerKindOf } from './provider-kind.js';

// Monday 2025-07-07; Berlin is UTC+2 in summer.
const MON_0830_UTC = Date.UTC(2025, 6, 7, 8, 30, 15);
const MON_0330_UTC = Date.UTC(2025, 6, 7, 3, 30);
const SUN_0830_UTC = Date.UTC(2025, 6, 6, 8, 30);

describe('isInPeriods', () => {
  it('evaluates periods as minute masks in the policy time zone', () => {
    const mornings = ['* 6-11 * * mon-fri'];
    expect(isInPeriods(mornings, 'Europe/Berlin', MON_0830_UTC)).toBe(true); // 10:30 Berlin
    expect(isInPeriods(mornings, 'Europe/Berlin', MON_0330_UTC)).toBe(false); // 05:30 Berlin
    expect(isInPeriods(mornings, 'America/New_York', MON_0830_UTC)).toBe(false); // 04:30 NY
    expect(isInPeriods(mornings, 'Europe/Berlin', SUN_0830_UTC)).toBe(false);
  });

  it('matches any second within a matching minute', () => {
    expect(isInPeriods(['30 8 * * *'], 'UTC', MON_0830_UTC)).toBe(true);
    expect(isInPeriods(['31 8 * * *'], 'UTC', MON_0830_UTC)).toBe(false);
  });

  it('treats day-of-week 7 as Sunday and matches when any period matches', () => {
    expect(isInPeriods(['* * * * 7'], 'UTC', SUN_0830_UTC)).toBe(true);
    expect(isInPeriods(['* 0-1 * * *', '* 8 * * *'], 'UTC', MON_0830_UTC)).toBe(true);
  });

  it('compiles once and answers repeatedly', () => {
    const matcher = createPeriodMatcher(['* 9-17 * * 1-5'], 'UTC');
    expect(matcher.contains(MON_0830_UTC)).toBe(false);
    expect(matcher.contains(MON_0830_UTC + 3_600_000)).toBe(true);
  });
});

describe('activePolicyIndex', () => {
  const policies = [
    { periods: ['* * * * *'] },
    { periods: ['* 6-11 * * mon-fri'], timezone: 'Europe/Berlin' },
    { periods: ['0 0 1 1 *'] },
  ];

  it('picks the last policy whose periods contain now', () => {
    expect(activePolicyIndex(policies, MON_0830_UTC)).toBe(1);
    expect(activePolicyIndex(policies, SUN_0830_UTC)).toBe(0);
  });

  it('is -1 when no policy matches', () => {
    expect(activePolicyIndex([{ periods: ['0 0 1 1 *'], timezone: 'UTC' }], MON_0830_UTC)).toBe(-1);
  });
});

describe('checkPeriod', () => {
  it('accepts standard cron with names, ranges, lists and steps', () => {
    for (const p of ['* * * * *', '*/15 6-11 * * mon-fri', '0,30 8 1-15 jan-mar sat,sun']) {
      expect(checkPeriod(p)).toBeUndefined();
    }
  });

  it('explains what is wrong', () => {
    expect(checkPeriod('* * * *')).toMatch(/expected 5 fields .* got 4/);
    expect(checkPeriod('* * * * * *')).toMatch(/got 6/);
    expect(checkPeriod('61 * * * *')).toMatch(/minute/i);
    expect(checkPeriod('* * L * *')).toBeDefined();
    expect(checkPeriod('* * ? * *')).toMatch(/unsupported cron field/);
  });
});

describe('time zones', () => {
  it('knows IANA zones and treats Local and empty as the manager zone', () => {
    expect(isValidTimezone('Europe/Berlin')).toBe(true);
    expect(isValidTimezone('UTC')).toBe(true);
    expect(isValidTimezone('Mars/Olympus')).toBe(false);
    expect(normalizeTimezone('Local')).toBeUndefined();
    expect(normalizeTimezone('')).toBeUndefined();
    expect(normalizeTimezone(' UTC ')).toBe('UTC');
  });
});

describe('describePeriod', () => {
  it('says periods in words', () => {
    expect(describePeriod('* 6-11 * * mon-fri')).toBe('minutes of hours 6–11, Monday–Friday');
    expect(describePeriod('* * * * *')).toBe('every minute');
    expect(describePeriod('0-29 8-17 * * 1-5')).toBe('minutes 0–29 of hours 8–17, Monday–Friday');
    expect(describePeriod('* * * * sat,sun')).toBe('every minute, Saturday, Sunday');
    expect(describePeriod('*/15 * * * *')).toBe('minutes 0, 15, 30, 45 of every hour');
    expect(describePeriod('* * 1 jan-mar *')).toBe(
      'every minute, days 1 of the month, in January–March',
    );
    expect(describePeriod('nonsense')).toBe('nonsense');
  });

  it('names the zone', () => {
    expect(describePeriods(['* 6-11 * * mon-fri'], 'Europe/Berlin')).toBe(
      'minutes of hours 6–11, Monday–Friday (Europe/Berlin)',
    );
    expect(describePeriods(['* * * * *'], undefined)).toBe('every minute (manager local time)');
  });
});

describe('providerKindOf', () => {
  it('recognises the plugin reference forms gitlab-runner accepts', () => {
    for (const p of [
      'aws',
      'aws:latest',
      'aws:1',
      'fleeting-plugin-aws',
      '/usr/local/bin/fleeting-plugin-aws',
      'registry.gitlab.com/gitlab-org/fleeting/plugins/aws:0.5.0',
    ]) {
      expect(providerKindOf(p)).toBe('aws');
    }
    expect(providerKindOf('static')).toBe('static');
    expect(providerKindOf('local')).toBe('local');
    expect(providerKindOf('sim')).toBe('sim');
    expect(providerKindOf('googlecloud')).toBe('unknown');
    expect(providerKindOf('fleeting-plugin-awsx')).toBe('unknown');
  });
});
