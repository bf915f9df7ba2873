/** `--synthetic jobs=1682,cpu-hours=29,days=14,spiky=true,seed=7` → SyntheticOptions. */
import { UserError } from '../../platform/errors.js';

export interface SyntheticOptions {
  jobs: number;
  /** Total job run time in hours (GitLab reports wall time; one job keeps one vCPU busy). */
  cpuHours: number;
  days: number;
  /** A few days much heavier, a few much quieter (like "May 2 was 5h; quiet days <1h"). */
  spiky: boolean;
  seed: number;
  /** Pipelines over the span; default one per ~10 jobs (seed 002: 163 pipelines, 1,682 jobs). */
  pipelines?: number;
  /** First day (UTC date, YYYY-MM-DD); default 2026-04-20, a Monday. */
  startDate: string;
  /** Offset of the team's local time from UTC in hours, for the working-hours shape. */
  utcOffsetHours: number;
  project: string;
  tags: readonly string[];
}

export const DEFAULT_SYNTHETIC: Omit<SyntheticOptions, 'jobs' | 'cpuHours'> = {
  days: 14,
  spiky: false,
  seed: 1,
  startDate: '2026-04-20',
  utcOffsetHours: 0,
  project: 'synthetic/app',
  tags: ['docker'],
};

function positive(key: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UserError(
      `--synthetic ${key}=${value}: expected a positive ${integer ? 'integer' : 'number'}`,
    );
  }
  return n;
}

/** A seed: a non-negative integer. */
export function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UserError(`seed ${value}: expected a non-negative integer`);
  return n;
}

function parseBool(key: string, value: string): boolean {
  if (/^(true|yes|1|on)$/i.test(value)) return true;
  if (/^(false|no|0|off)$/i.test(value)) return false;
  throw new UserError(`--synthetic ${key}=${value}: expected true or false`);
}

const KNOWN_KEYS = [
  'jobs',
  'cpu-hours',
  'days',
  'spiky',
  'seed',
  'pipelines',
  'start',
  'tz',
  'project',
  'tags',
];

function readKeyValues(spec: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new UserError(`--synthetic: "${part}" is not key=value`);
    const key = part.slice(0, eq).trim().toLowerCase().replace(/_/g, '-');
    if (!KNOWN_KEYS.includes(key)) {
      throw new UserError(`--synthetic: unknown key "${key}" (known: ${KNOWN_KEYS.join(', ')})`);
    }
    values.set(key, part.slice(eq + 1).trim());
  }
  return values;
}

function parseStart(start: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(`${start}T00:00:00Z`))) {
    throw new UserError(`--synthetic start=${start}: expected a date YYYY-MM-DD`);
  }
  return start;
}

/** Parses the `key=value,…` spec; `jobs` is required, the rest have defaults. */
export function parseSyntheticSpec(spec: string): SyntheticOptions {
  const values = readKeyValues(spec);
  const jobsText = values.get('jobs');
  if (jobsText === undefined)
    throw new UserError('--synthetic needs jobs=N (e.g. jobs=1682,cpu-hours=29,days=14)');
  const jobs = positive('jobs', jobsText, true);
  const get = (k: string): string | undefined => values.get(k);
  const start = parseStart(get('start') ?? DEFAULT_SYNTHETIC.startDate);
  const tz = get('tz');
  const utcOffsetHours = tz === undefined ? 0 : Number(tz);
  if (!Number.isFinite(utcOffsetHours) || Math.abs(utcOffsetHours) > 14) {
    throw new UserError(
      `--synthetic tz=${tz ?? ''}: expected a UTC offset in hours, e.g. tz=2 or tz=-5`,
    );
  }
  const pipelinesText = get('pipelines');
  const options: SyntheticOptions = {
    jobs,
    cpuHours:
      get('cpu-hours') === undefined
        ? (jobs * 60) / 3600
        : positive('cpu-hours', get('cpu-hours')!, false),
    days: get('days') === undefined ? DEFAULT_SYNTHETIC.days : positive('days', get('days')!, true),
    spiky: get('spiky') === undefined ? false : parseBool('spiky', get('spiky')!),
    seed: get('seed') === undefined ? DEFAULT_SYNTHETIC.seed : parseSeed(get('seed')!),
    startDate: start,
    utcOffsetHours,
    project: get('project') ?? DEFAULT_SYNTHETIC.project,
    tags:
      get('tags') === undefined ? DEFAULT_SYNTHETIC.tags : get('tags')!.split(';').filter(Boolean),
  };
  if (pipelinesText !== undefined)
    options.pipelines = Math.min(jobs, positive('pipelines', pipelinesText, true));
  return options;
}
