const UNIT_SECONDS: Record<string, number> = {
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86_400,
  day: 86_400,
  days: 86_400,
  w: 604_800,
  wk: 604_800,
  week: 604_800,
  weeks: 604_800,
};

/**
 * Parses a GitLab CI duration (`timeout`, `expire_in`, `start_in`) the way ChronicDuration does
 * for the common forms: `3600`, `1h 30m`, `1h30m`, `10 minutes`, `2 hours and 5 minutes`,
 * `1.5 hours`. Returns whole seconds, or undefined when the text is not a duration.
 */
export function parseCiDurationS(input: string | number): number | undefined {
  if (typeof input === 'number')
    return Number.isFinite(input) && input >= 0 ? Math.round(input) : undefined;
  const text = input
    .trim()
    .toLowerCase()
    .replace(/\band\b|,/g, ' ');
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text));
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/g)) {
    const unit = UNIT_SECONDS[m[2]!];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    matched += m[0];
  }
  if (matched.replace(/\s+/g, '') !== text.replace(/\s+/g, '')) return undefined;
  return Math.round(total);
}
