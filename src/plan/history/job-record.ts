/**
 * One CI job from history, normalised from whatever source it came from (CSV, GitLab job JSON,
 * the GitLab REST API, or the synthetic generator). Times are epoch milliseconds.
 */
export interface JobRecord {
  /** When the job became pending (runnable): what a runner would have seen. */
  queuedAtMs: number;
  /** When it really started, if known (only informative; the replay computes its own start). */
  startedAtMs?: number;
  /** How long it ran (wall time), in milliseconds. */
  durationMs: number;
  tags: readonly string[];
  /** Project path (`group/name`) or id. */
  project: string;
  /** vCPUs the job keeps busy; used to scale its duration to the planned instance type. */
  cpuRequest?: number;
  name?: string;
  /** GitLab job status (`success`, `failed`, `canceled`, …). */
  status?: string;
}

/** A loaded history: jobs sorted by queue time, and what was left out. */
export interface History {
  jobs: JobRecord[];
  /** Where it came from, for reports (`file.csv`, `gitlab.example.com/group/app`, `synthetic`). */
  source: string;
  /**
   * The calendar span the history covers, when the source knows it (the synthetic generator and
   * the GitLab import do). Otherwise the span is derived from the jobs (see `historySpan`).
   */
  spanMs?: number;
  /** Epoch ms where the span starts, with `spanMs`. */
  spanStartMs?: number;
  /** Records read but not replayed (never ran: skipped, manual, canceled before start). */
  skipped: number;
  /** Set when only the jobs of one runner's tags are kept (`--runner-tags`). */
  routing?: HistoryRouting;
}

export interface HistoryRouting {
  tags: readonly string[];
  runUntagged: boolean;
  /** Jobs of the history this runner would not take. */
  jobsForOtherRunners: number;
}

const DAY_MS = 86_400_000;

/**
 * The span used to project to a month. A source-given span wins; otherwise whole UTC days from
 * the midnight before the first job to the midnight after the last job ends, and a span at most
 * two days short of whole weeks counts as whole weeks: CI load is weekly and a quiet weekend at
 * either end leaves no jobs (two weeks exported Monday to Sunday whose last jobs ran on Friday
 * covers 14 days, not 12).
 */
export function historySpan(history: History): { startMs: number; spanMs: number } {
  if (history.spanMs !== undefined && history.spanMs > 0) {
    return {
      startMs: history.spanStartMs ?? history.jobs[0]?.queuedAtMs ?? 0,
      spanMs: history.spanMs,
    };
  }
  if (history.jobs.length === 0) return { startMs: 0, spanMs: DAY_MS };
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const job of history.jobs) {
    if (job.queuedAtMs < first) first = job.queuedAtMs;
    const end = job.queuedAtMs + job.durationMs;
    if (end > last) last = end;
  }
  const startMs = Math.floor(first / DAY_MS) * DAY_MS;
  let days = Math.max(1, Math.ceil((last - startMs) / DAY_MS));
  if (days >= 5 && days % 7 >= 5) days += 7 - (days % 7);
  return { startMs, spanMs: days * DAY_MS };
}

/** Sorts jobs by queue time in place (stable), and returns them. */
export function sortJobs(jobs: JobRecord[]): JobRecord[] {
  return jobs.sort((a, b) => a.queuedAtMs - b.queuedAtMs);
}

/** Shares identical tag lists and project strings between records (1M rows, a handful of values). */
export class Interner {
  readonly #tags = new Map<string, readonly string[]>();
  readonly #strings = new Map<string, string>();

  tags(list: readonly string[]): readonly string[] {
    const key = list.join('\u0000');
    let found = this.#tags.get(key);
    if (!found) {
      found = Object.freeze([...list]);
      this.#tags.set(key, found);
    }
    return found;
  }

  string(s: string): string {
    let found = this.#strings.get(s);
    if (found === undefined) {
      found = s;
      this.#strings.set(s, s);
    }
    return found;
  }
}
