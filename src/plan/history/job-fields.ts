/**
 * Maps one loosely shaped row (a CSV line keyed by header, or a GitLab job JSON object) to a
 * JobRecord. Understands the planner's own CSV contract (`queued_at,duration_s,tags,project`),
 * the GitLab jobs API shape (`created_at`, `started_at`, `finished_at`, `duration`,
 * `queued_duration`, `tag_list`, `pipeline.project_id`) and the JobRecord field names.
 */
import type { Interner, JobRecord } from './job-record.js';

export type RowValue = unknown;
export type Row = Readonly<Record<string, RowValue>>;

/** Statuses of jobs that never ran on a runner: not replayed. */
const NEVER_RAN = new Set(['skipped', 'manual', 'created', 'scheduled', 'waiting_for_resource']);

export interface MapOptions {
  /** Project to use when the row names none (e.g. the project an API import was asked for). */
  project?: string;
  interner: Interner;
}

/** Thrown for a row that cannot be read; the caller adds file and line. */
export class RowError extends Error {
  override readonly name = 'RowError';
}

/**
 * Parses an ISO-8601 time. Times without a zone are taken as UTC (never the machine's zone, so
 * a plan does not change with the TZ it runs in); `2026-05-02 10:00:00 UTC` is accepted too.
 */
export function parseIsoTimeMs(value: RowValue, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') throw new RowError(`${field}: expected an ISO-8601 time`);
  let s = value.trim();
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) {
    throw new RowError(`${field}: "${value}" is not an ISO-8601 time (e.g. 2026-05-02T10:15:00Z)`);
  }
  s = s.replace(/ UTC$/, 'Z').replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T');
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) s += 'Z';
  else if (/^\d{4}-\d{2}-\d{2}$/.test(s)) s += 'T00:00:00Z';
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new RowError(`${field}: "${value}" is not a valid time`);
  return ms;
}

/** A scalar as text; objects and arrays as JSON (for messages and loose fields). */
export function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  return JSON.stringify(value) ?? '';
}

function parseNumber(value: RowValue, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(scalarText(value).trim());
  if (!Number.isFinite(n)) throw new RowError(`${field}: "${scalarText(value)}" is not a number`);
  if (n < 0) throw new RowError(`${field}: ${n} is negative`);
  return n;
}

function parseTags(value: RowValue): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.map((t) => scalarText(t).trim()).filter((t) => t !== '');
  return scalarText(value)
    .split(/[;,]/)
    .map((t) => t.trim())
    .filter((t) => t !== '');
}

function pick(row: Row, ...names: string[]): RowValue {
  for (const name of names) {
    const v = row[name];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

function projectOf(row: Row, fallback: string | undefined): string {
  const p = pick(row, 'project', 'project_path', 'path_with_namespace', 'project_name');
  if (typeof p === 'string') return p;
  if (typeof p === 'number') return String(p);
  if (p && typeof p === 'object') {
    const obj = p as Record<string, unknown>;
    const named = obj['path_with_namespace'] ?? obj['path'] ?? obj['name'] ?? obj['id'];
    if (typeof named === 'string' || typeof named === 'number') return String(named);
  }
  const pipeline = row['pipeline'];
  if (pipeline && typeof pipeline === 'object') {
    const id = (pipeline as Record<string, unknown>)['project_id'];
    if (typeof id === 'number' || typeof id === 'string') return fallback ?? String(id);
  }
  return fallback ?? '';
}

interface Times {
  queuedAtMs: number | undefined;
  startedAtMs: number | undefined;
  durationMs: number | undefined;
}

function readTimes(row: Row): Times {
  const startedAtMs =
    parseIsoTimeMs(pick(row, 'started_at'), 'started_at') ??
    parseNumber(pick(row, 'startedAtMs'), 'startedAtMs');
  const finishedAtMs = parseIsoTimeMs(pick(row, 'finished_at'), 'finished_at');
  const durationS = parseNumber(pick(row, 'duration_s', 'duration'), 'duration');
  const durationMsField = parseNumber(pick(row, 'durationMs'), 'durationMs');
  let durationMs = durationMsField ?? (durationS === undefined ? undefined : durationS * 1000);
  if (durationMs === undefined && startedAtMs !== undefined && finishedAtMs !== undefined) {
    durationMs = finishedAtMs - startedAtMs;
    if (durationMs < 0) throw new RowError('finished_at is before started_at');
  }
  const queuedDurationS = parseNumber(pick(row, 'queued_duration'), 'queued_duration');
  let queuedAtMs =
    parseIsoTimeMs(pick(row, 'queued_at'), 'queued_at') ??
    parseNumber(pick(row, 'queuedAtMs'), 'queuedAtMs');
  if (queuedAtMs === undefined && startedAtMs !== undefined && queuedDurationS !== undefined) {
    queuedAtMs = startedAtMs - queuedDurationS * 1000;
  }
  queuedAtMs ??= parseIsoTimeMs(pick(row, 'created_at'), 'created_at') ?? startedAtMs;
  return { queuedAtMs, startedAtMs, durationMs };
}

/** The JobRecord for a row, or undefined for a job that never ran (skipped, manual, no start). */
export function mapJobRow(row: Row, options: MapOptions): JobRecord | undefined {
  const statusValue = pick(row, 'status');
  const status = typeof statusValue === 'string' ? statusValue : undefined;
  if (status !== undefined && NEVER_RAN.has(status)) return undefined;
  const { queuedAtMs, startedAtMs, durationMs } = readTimes(row);
  if (durationMs === undefined) {
    if (status !== undefined) return undefined; // canceled before start, still running, …
    throw new RowError('no duration (duration_s, duration or started_at+finished_at)');
  }
  if (queuedAtMs === undefined) {
    throw new RowError('no queue time (queued_at, created_at or started_at)');
  }
  const { interner } = options;
  const record: JobRecord = {
    queuedAtMs,
    durationMs: Math.round(durationMs),
    tags: interner.tags(parseTags(pick(row, 'tags', 'tag_list'))),
    project: interner.string(projectOf(row, options.project)),
  };
  if (startedAtMs !== undefined) record.startedAtMs = startedAtMs;
  const cpu = parseNumber(pick(row, 'cpu_request', 'cpu', 'cpuRequest'), 'cpu_request');
  if (cpu !== undefined && cpu > 0) record.cpuRequest = cpu;
  const name = pick(row, 'name');
  if (typeof name === 'string') record.name = interner.string(name);
  if (status !== undefined) record.status = interner.string(status);
  return record;
}
