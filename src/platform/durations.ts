import { UserError } from './errors.js';

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses a Go-style duration (`20m0s`, `1h30m`, `500ms`, `0s`, `-1s`) into milliseconds, as
 * gitlab-runner's config does. A bare number is taken as seconds. Throws UserError on garbage.
 */
export function parseDurationMs(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) throw new UserError(`invalid duration ${String(text)}`);
    return text * 1000;
  }
  const s = text.trim();
  if (s === '' || s === '0') return 0;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const m = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h|d))+$/.exec(s);
  if (!m) {
    throw new UserError(
      `invalid duration "${text}" (expected a number with a unit, e.g. "20m", "1h30m", "45s")`,
    );
  }
  const sign = m[1] === '-' ? -1 : 1;
  let total = 0;
  for (const part of s
    .replace(/^[+-]/, '')
    .matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/g)) {
    total += Number(part[1]) * UNIT_MS[part[2]!]!;
  }
  return sign * total;
}

/** Formats milliseconds the way gitlab-runner prints durations: `1h2m3s`, `20m0s`, `450ms`. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${Math.round(rest)}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.round((rest / 1000) * 1000) / 1000;
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}
