/**
 * `spotrunner report`: what the recorded history cost and how the instance time was spent.
 *
 * Period: an instance counts in the period it was launched in, a job in the period it finished
 * in. Cost: billed seconds × the hourly price of its type in the region (the planner's price
 * table), spot or on-demand by the instance's lifecycle; an instance of a type the table does
 * not know (local, static) counts as unpriced hours. Attribution: an instance's whole cost —
 * its boot and idle time included — is split over the jobs that ran on it (a run cut short by
 * an interruption included), in proportion to their run time there; an instance no job ran on
 * is `(unattributed)`. The same shares make the cost of each job (`byJob`, one line per runner
 * and job id, so a job left to expire and picked up again counts once).
 */
import { lookupInstancePrice, type PriceTable } from '../../plan/prices/price-table.js';
import type { RecordedJob, RecordedRun } from '../../runner/job-recorder.js';
import type { RecordedInstance } from './instance-tracker.js';
import type { RecordedHistory } from './read-history.js';

export interface ReportOptions {
  fromMs?: number;
  toMs?: number;
  region: string;
  prices: PriceTable;
}

export interface HoursSplit {
  billed: number;
  boot: number;
  busy: number;
  idle: number;
}

export interface TypeLine extends HoursSplit {
  instanceType: string;
  lifecycle: string;
  instances: number;
  pricePerHourUsd?: number;
  costUsd: number;
}

export interface ProjectLine {
  project: string;
  jobs: number;
  runHours: number;
  costUsd: number;
}

export interface JobCostLine {
  jobId: number;
  runner: string;
  project: string;
  name: string;
  result: string;
  runHours: number;
  costUsd: number;
}

export interface HistoryReport {
  fromMs?: number;
  toMs?: number;
  region: string;
  prices: { asOf: string; source: string };
  instances: number;
  hours: HoursSplit;
  /** Idle hours over billed hours after boot (0 when nothing ran). */
  idleRatio: number;
  costUsd: number;
  unpricedHours: number;
  byType: TypeLine[];
  jobs: { count: number; byResult: Record<string, number>; reruns: number; interruptions: number };
  byProject: ProjectLine[];
  /** Jobs that finished in the period or ran on an instance launched in it, costliest first. */
  byJob: JobCostLine[];
}

const H = 3600;
const UNATTRIBUTED = '(unattributed)';

const inPeriod = (ms: number, o: ReportOptions): boolean =>
  (o.fromMs === undefined || ms >= o.fromMs) && (o.toMs === undefined || ms < o.toMs);

function round(n: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function priceOf(inst: RecordedInstance, o: ReportOptions): number | undefined {
  if (!inst.instanceType) return undefined;
  try {
    const p = lookupInstancePrice(o.prices, inst.instanceType, o.region);
    return inst.lifecycle === 'spot' ? p.spotPerHourUsd : p.onDemandPerHourUsd;
  } catch {
    return undefined;
  }
}

/** A job's runs; lines written before runs were recorded have the last one only. */
function runsOf(j: RecordedJob): RecordedRun[] {
  if (Array.isArray(j.runs)) return j.runs;
  if (!j.instanceId || j.startedAtMs === undefined) return [];
  return [{ instanceId: j.instanceId, startedAtMs: j.startedAtMs, endedAtMs: j.finishedAtMs }];
}

/** Seconds a job ran on the instance it finished on. */
export function runSeconds(job: RecordedJob): number {
  return job.startedAtMs === undefined ? 0 : Math.max(0, job.finishedAtMs - job.startedAtMs) / 1000;
}

export function buildReport(history: RecordedHistory, o: ReportOptions): HistoryReport {
  const instances = history.instances.filter((i) => inPeriod(i.launchedAtMs, o));
  const jobs = history.jobs.filter((j) => inPeriod(j.finishedAtMs, o));
  const hours: HoursSplit = { billed: 0, boot: 0, busy: 0, idle: 0 };
  const types = new Map<string, TypeLine>();
  const projects = new Map<string, ProjectLine>();
  const project = (name: string): ProjectLine => {
    let line = projects.get(name);
    if (!line) projects.set(name, (line = { project: name, jobs: 0, runHours: 0, costUsd: 0 }));
    return line;
  };
  const byJob = new Map<string, { line: JobCostLine; finishedAtMs: number }>();
  /** One line per runner and job id, named by the record that finished last. */
  const jobLine = (j: RecordedJob): JobCostLine => {
    const key = `${j.runner}/${j.jobId}`;
    const seen = byJob.get(key);
    const { jobId, runner, project, name, result, finishedAtMs } = j;
    if (seen && seen.finishedAtMs >= finishedAtMs) return seen.line;
    const line = { jobId, runner, project, name, result, runHours: 0, costUsd: 0 };
    if (seen) Object.assign(seen.line, { project, name, result });
    byJob.set(key, { line: seen?.line ?? line, finishedAtMs });
    return seen?.line ?? line;
  };
  for (const j of jobs) {
    const line = project(j.project);
    line.jobs++;
    line.runHours += runSeconds(j) / H;
    jobLine(j).runHours += runSeconds(j) / H;
  }
  const runsOn = new Map<string, Array<{ job: RecordedJob; seconds: number }>>();
  for (const j of history.jobs) {
    for (const run of runsOf(j)) {
      const key = `${j.runner}/${run.instanceId}`;
      const seconds = Math.max(0, run.endedAtMs - run.startedAtMs) / 1000;
      const ran = runsOn.get(key);
      if (ran) ran.push({ job: j, seconds });
      else runsOn.set(key, [{ job: j, seconds }]);
    }
  }
  let costUsd = 0;
  let unpricedHours = 0;
  const prices = new Map<string, number | undefined>();
  for (const inst of instances) {
    const typeKey = `${inst.instanceType ?? '(unknown)'}/${inst.lifecycle ?? 'on-demand'}`;
    if (!prices.has(typeKey)) prices.set(typeKey, priceOf(inst, o));
    const price = prices.get(typeKey);
    hours.billed += inst.billedS / H;
    hours.boot += inst.bootS / H;
    hours.busy += inst.busyS / H;
    hours.idle += inst.idleS / H;
    const cost = price === undefined ? 0 : (inst.billedS / H) * price;
    if (price === undefined) unpricedHours += inst.billedS / H;
    costUsd += cost;
    let t = types.get(typeKey);
    if (!t) {
      t = {
        instanceType: inst.instanceType ?? '(unknown)',
        lifecycle: inst.lifecycle ?? 'on-demand',
        instances: 0,
        ...(price === undefined ? {} : { pricePerHourUsd: price }),
        costUsd: 0,
        billed: 0,
        boot: 0,
        busy: 0,
        idle: 0,
      };
      types.set(typeKey, t);
    }
    t.instances++;
    t.costUsd += cost;
    t.billed += inst.billedS / H;
    t.boot += inst.bootS / H;
    t.busy += inst.busyS / H;
    t.idle += inst.idleS / H;
    const ran = runsOn.get(`${inst.runner}/${inst.instanceId}`) ?? [];
    const total = ran.reduce((s, r) => s + r.seconds, 0);
    if (total <= 0) project(UNATTRIBUTED).costUsd += cost;
    for (const r of total > 0 ? ran : []) {
      const share = (cost * r.seconds) / total;
      project(r.job.project).costUsd += share;
      jobLine(r.job).costUsd += share;
    }
  }
  const byResult: Record<string, number> = {};
  for (const j of jobs) byResult[j.result] = (byResult[j.result] ?? 0) + 1;
  const afterBoot = hours.billed - hours.boot;
  return {
    ...(o.fromMs !== undefined ? { fromMs: o.fromMs } : {}),
    ...(o.toMs !== undefined ? { toMs: o.toMs } : {}),
    region: o.region,
    prices: { asOf: o.prices.asOf, source: o.prices.source },
    instances: instances.length,
    hours: roundHours(hours),
    idleRatio: afterBoot > 0 ? round(hours.idle / afterBoot, 4) : 0,
    costUsd: round(costUsd),
    unpricedHours: round(unpricedHours),
    byType: [...types.values()].map((t) => ({ ...t, ...roundHours(t), costUsd: round(t.costUsd) })),
    jobs: {
      count: jobs.length,
      byResult,
      reruns: jobs.reduce((s, j) => s + j.reruns, 0),
      interruptions: jobs.reduce((s, j) => s + j.interruptions, 0),
    },
    byProject: [...projects.values()]
      .map((p) => ({ ...p, runHours: round(p.runHours), costUsd: round(p.costUsd) }))
      .sort((a, b) => b.costUsd - a.costUsd || b.runHours - a.runHours),
    byJob: [...byJob.values()]
      .map(({ line: j }) => ({ ...j, runHours: round(j.runHours), costUsd: round(j.costUsd) }))
      .sort((a, b) => b.costUsd - a.costUsd || b.runHours - a.runHours),
  };
}

function roundHours(h: HoursSplit): HoursSplit {
  return { billed: round(h.billed), boot: round(h.boot), busy: round(h.busy), idle: round(h.idle) };
}
