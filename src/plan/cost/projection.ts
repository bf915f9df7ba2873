/** Projection from a history span to a month (AWS bills a month as 730 hours). */
export const HOURS_PER_MONTH = 730;
export const MS_PER_MONTH = HOURS_PER_MONTH * 3_600_000;

/** Scales a quantity observed over `spanMs` to one 730-hour month. */
export function projectPerMonth(value: number, spanMs: number): number {
  if (!(spanMs > 0)) return 0;
  return (value * MS_PER_MONTH) / spanMs;
}
