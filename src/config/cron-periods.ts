/**
 * Policy periods as taskscaler reads them: each period is a 5-field cron expression describing a
 * minute mask (a time range, not a trigger), evaluated in the policy's IANA time zone (the
 * manager's local zone when unset). The fleet engine reuses these helpers.
 */
import { Cron } from 'croner';
import { describeError } from '../platform/errors.js';

/** Normalises a policy `timezone`: empty and Go's "Local" mean the manager's own zone. */
export function normalizeTimezone(timezone: string | undefined): string | undefined {
  const tz = timezone?.trim();
  return tz === undefined || tz === '' || tz === 'Local' ? undefined : tz;
}

/** Whether `timezone` is an IANA zone name this runtime knows (e.g. `Europe/Berlin`, `UTC`). */
export function isValidTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false; // RangeError: unknown zone, which is the answer
  }
}

/** One list item of standard cron: `*`, a number or 3-letter name, a range, an optional step. */
const STANDARD_ITEM = /^(\*|\d+|[a-z]{3})(-(\d+|[a-z]{3}))?(\/\d+)?$/i;

function compile(period: string, timezone: string | undefined): Cron {
  return new Cron(period.trim(), { mode: '5-part', paused: true, timezone });
}

/**
 * Checks one period; returns what is wrong with it in words, or undefined when it is valid.
 * Only standard cron is accepted: numbers, names (`mon-fri`, `jan`), `*`, ranges, lists, steps.
 */
export function checkPeriod(period: string): string | undefined {
  const fields = period
    .trim()
    .split(/\s+/)
    .filter((f) => f !== '');
  if (fields.length !== 5) {
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  }
  const bad = fields.find((f) => !f.split(',').every((item) => STANDARD_ITEM.test(item)));
  if (bad !== undefined) return `unsupported cron field "${bad}"`;
  try {
    compile(period, undefined);
    return undefined;
  } catch (err: unknown) {
    return describeError(err).replace(/^CronPattern:\s*/, '');
  }
}

export interface PeriodMatcher {
  /** Whether the minute containing `nowMs` lies inside any of the periods. */
  contains(nowMs: number): boolean;
}

/** Compiles periods once for repeated checks (the fleet asks on every tick). */
export function createPeriodMatcher(
  periods: readonly string[],
  timezone: string | undefined,
): PeriodMatcher {
  const crons = periods.map((p) => compile(p, normalizeTimezone(timezone)));
  return {
    contains(nowMs: number): boolean {
      const minute = new Date(Math.floor(nowMs / 60_000) * 60_000);
      return crons.some((c) => c.match(minute));
    },
  };
}

/** Whether `nowMs` lies inside any of `periods` evaluated in `timezone`. */
export function isInPeriods(
  periods: readonly string[],
  timezone: string | undefined,
  nowMs: number,
): boolean {
  return createPeriodMatcher(periods, timezone).contains(nowMs);
}

/**
 * Index of the policy in force at `nowMs`: the last one whose periods contain now (taskscaler
 * walks the list backwards), or -1 when none does.
 */
export function activePolicyIndex(
  policies: readonly { periods: readonly string[]; timezone?: string }[],
  nowMs: number,
): number {
  for (let i = policies.length - 1; i >= 0; i--) {
    const p = policies[i]!;
    if (isInPeriods(p.periods, p.timezone, nowMs)) return i;
  }
  return -1;
}
