/** Cron periods in plain words for `spotrunner config check` ("* 6-11 * * mon-fri" → "minutes of hours 6–11, Monday–Friday"). */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const DAY_ABBR = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const MONTH_ABBR = MONTHS.map((m) => m.slice(0, 3).toLowerCase());

type Kind = 'minute' | 'hour' | 'dom' | 'month' | 'dow';

const RANGE: Record<Kind, [number, number]> = {
  minute: [0, 59],
  hour: [0, 23],
  dom: [1, 31],
  month: [1, 12],
  dow: [0, 6],
};

function toNumber(token: string, kind: Kind): number | undefined {
  const lower = token.toLowerCase();
  if (kind === 'dow' && DAY_ABBR.includes(lower)) return DAY_ABBR.indexOf(lower);
  if (kind === 'month' && MONTH_ABBR.includes(lower)) return MONTH_ABBR.indexOf(lower) + 1;
  return /^\d+$/.test(token) ? Number(token) : undefined;
}

function name(token: string, kind: Kind): string {
  const n = toNumber(token, kind);
  if (n === undefined) return token;
  if (kind === 'dow') return DAYS[n % 7] ?? token;
  if (kind === 'month') return MONTHS[n - 1] ?? token;
  return String(n);
}

function formatItem(item: string, kind: Kind): string {
  const [range = '', step] = item.split('/');
  if (step !== undefined) {
    const [lo, hi] =
      range === '*' ? RANGE[kind] : range.split('-').map((t) => toNumber(t, kind) ?? NaN);
    const by = Number(step);
    if (lo === undefined || Number.isNaN(lo) || Number.isNaN(by) || by <= 0) return item;
    const end = hi === undefined || Number.isNaN(hi) ? RANGE[kind][1] : hi;
    const values: string[] = [];
    for (let v = lo; v <= end; v += by) values.push(name(String(v), kind));
    return values.length <= 8 ? values.join(', ') : `every ${by} from ${name(String(lo), kind)}`;
  }
  if (range === '*') return 'all';
  const [a, b] = range.split('-');
  return b === undefined ? name(a ?? '', kind) : `${name(a ?? '', kind)}–${name(b, kind)}`;
}

function formatField(field: string, kind: Kind): string {
  return field
    .split(',')
    .map((item) => formatItem(item, kind))
    .join(', ');
}

/** One 5-field cron period in words; an expression that is not 5 fields is returned as is. */
export function describePeriod(period: string): string {
  const fields = period.trim().split(/\s+/);
  if (fields.length !== 5) return period;
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  let head: string;
  if (minute === '*' && hour === '*') head = 'every minute';
  else if (minute === '*') head = `minutes of hours ${formatField(hour, 'hour')}`;
  else if (hour === '*') head = `minutes ${formatField(minute, 'minute')} of every hour`;
  else head = `minutes ${formatField(minute, 'minute')} of hours ${formatField(hour, 'hour')}`;
  const parts = [head];
  if (dom !== '*') parts.push(`days ${formatField(dom, 'dom')} of the month`);
  if (month !== '*') parts.push(`in ${formatField(month, 'month')}`);
  if (dow !== '*') parts.push(formatField(dow, 'dow'));
  return parts.join(', ');
}

/** All periods of a policy in words, with the zone they are read in. */
export function describePeriods(periods: readonly string[], timezone: string | undefined): string {
  const words = periods.map(describePeriod).join('; or ');
  return `${words} (${timezone ?? 'manager local time'})`;
}
