/**
 * A synthetic job history from totals (jobs, CPU-hours, days): working-hours shape (weekday
 * 08–19 local with late-morning and afternoon peaks, quiet nights and weekends), optional spiky
 * days, pipelines that queue several jobs at once stage by stage, and long-tailed (log-normal)
 * durations scaled so they add up to the CPU-hour total. Deterministic for a seed.
 */
import { SeededRandom } from '../../platform/random.js';
import { Interner, sortJobs, type History, type JobRecord } from './job-record.js';
import type { SyntheticOptions } from './synthetic-spec.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Relative pipeline starts per local hour on a working day. */
const HOUR_WEIGHTS = [
  0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.2, 0.6, 1.0, 1.3, 1.2, 0.7, 1.0, 1.3, 1.3, 1.1, 0.8,
  0.5, 0.25, 0.12, 0.08, 0.05, 0.03,
];
const MIN_DURATION_MS = 5_000;
const SHORT_NAMES = ['lint', 'codespell', 'govulncheck', 'unit-test', 'build', 'fmt-check'];
const LONG_NAMES = ['integration-test', 'mutation-test'];

/** Weight of each day: weekends light; with `spiky`, a few weekdays heavy and a few quiet. */
export function syntheticDayWeights(options: SyntheticOptions, rng: SeededRandom): number[] {
  const startDow = new Date(`${options.startDate}T00:00:00Z`).getUTCDay();
  const weekdays: number[] = [];
  const weights = Array.from({ length: options.days }, (_, d) => {
    const dow = (startDow + d) % 7;
    if (dow === 0 || dow === 6) return 0.1;
    weekdays.push(d);
    return rng.logNormal(1, 0.2);
  });
  if (options.spiky && weekdays.length > 0) {
    const shuffled = weekdays.map((d) => ({ d, k: rng.next() })).sort((a, b) => a.k - b.k);
    const heavy = Math.max(1, Math.round(options.days * 0.12));
    const quiet = Math.round(options.days * 0.2);
    shuffled.forEach(({ d }, i) => {
      if (i < heavy) weights[d] = weights[d]! * (1.6 + rng.next() * 0.8);
      else if (i < heavy + quiet) weights[d] = weights[d]! * (0.15 + rng.next() * 0.25);
    });
  }
  return weights;
}

/** Pipeline sizes (jobs per pipeline) that add up to exactly `jobs`. */
export function syntheticPipelineSizes(
  jobs: number,
  pipelines: number,
  rng: SeededRandom,
): number[] {
  const mean = jobs / pipelines;
  const raw = Array.from({ length: pipelines }, () => rng.logNormal(mean * 0.85, 0.6));
  const total = raw.reduce((a, b) => a + b, 0);
  const sizes = raw.map((r) => Math.max(1, Math.round((r / total) * jobs)));
  let diff = jobs - sizes.reduce((a, b) => a + b, 0);
  while (diff !== 0) {
    const i = rng.int(0, pipelines - 1);
    if (diff > 0) {
      sizes[i]!++;
      diff--;
    } else if (sizes[i]! > 1) {
      sizes[i]!--;
      diff++;
    }
  }
  return sizes;
}

function pickWeighted(weights: readonly number[], total: number, rng: SeededRandom): number {
  let x = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i]!;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

/** Log-normal durations scaled (and floored at 5 s) so they sum to `totalMs` within a second. */
export function syntheticDurations(n: number, totalMs: number, rng: SeededRandom): number[] {
  const raw = Array.from({ length: n }, () => rng.logNormal(1, 1.2));
  let scale = totalMs / raw.reduce((a, b) => a + b, 0);
  let out: number[] = [];
  for (let pass = 0; pass < 6; pass++) {
    out = raw.map((r) => Math.max(MIN_DURATION_MS, Math.round((r * scale) / 1000) * 1000));
    const sum = out.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - totalMs) <= Math.max(1000, totalMs * 1e-4)) break;
    const floorSum = out.filter((d) => d === MIN_DURATION_MS).length * MIN_DURATION_MS;
    scale *= Math.max(0.01, (totalMs - floorSum) / Math.max(1, sum - floorSum));
  }
  return out;
}

interface PipelineContext {
  options: SyntheticOptions;
  rng: SeededRandom;
  interner: Interner;
  durations: readonly number[];
  longCutMs: number;
  jobs: JobRecord[];
}

/** Splits a pipeline's jobs into stages; each stage queues when the previous one finished. */
function emitPipeline(ctx: PipelineContext, startMs: number, size: number, firstJob: number): void {
  const { rng } = ctx;
  const stages = Math.min(size, 1 + Math.floor(rng.next() * 4));
  let stageStart = startMs;
  let next = firstJob;
  for (let s = 0; s < stages; s++) {
    const left = firstJob + size - next;
    const count = s === stages - 1 ? left : Math.max(1, Math.round(left / (stages - s)));
    let longest = 0;
    for (let k = 0; k < count; k++) {
      const durationMs = ctx.durations[next++]!;
      longest = Math.max(longest, durationMs);
      const long = durationMs >= ctx.longCutMs;
      const names = long ? LONG_NAMES : SHORT_NAMES;
      ctx.jobs.push({
        queuedAtMs: stageStart + rng.int(0, 3) * 1000,
        durationMs,
        tags: ctx.interner.tags(long ? [...ctx.options.tags, 'large'] : ctx.options.tags),
        project: ctx.options.project,
        name: names[rng.int(0, names.length - 1)]!,
        status: 'success',
      });
    }
    stageStart += longest + rng.int(2, 10) * 1000;
  }
}

/** Generates the history; jobs sorted by queue time, span = the requested days. */
export function generateSyntheticHistory(options: SyntheticOptions): History {
  const rng = new SeededRandom(options.seed);
  const startMs = Date.parse(`${options.startDate}T00:00:00Z`) - options.utcOffsetHours * HOUR_MS;
  const pipelines = options.pipelines ?? Math.max(1, Math.round(options.jobs / 10.3));
  const dayWeights = syntheticDayWeights(options, rng.fork(1));
  const dayTotal = dayWeights.reduce((a, b) => a + b, 0);
  const sizes = syntheticPipelineSizes(options.jobs, pipelines, rng.fork(2));
  const durations = syntheticDurations(options.jobs, options.cpuHours * HOUR_MS, rng.fork(3));
  const sorted = [...durations].sort((a, b) => a - b);
  const longCutMs = sorted[Math.floor(sorted.length * 0.97)] ?? Number.POSITIVE_INFINITY;
  const hourTotal = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);
  const timeRng = rng.fork(4);
  const ctx: PipelineContext = {
    options,
    rng: rng.fork(5),
    interner: new Interner(),
    durations,
    longCutMs,
    jobs: [],
  };
  // Start times first, sorted, so jobs come out nearly in order (the final sort is then cheap).
  const starts = new Float64Array(sizes.length);
  for (let p = 0; p < sizes.length; p++) {
    const day = pickWeighted(dayWeights, dayTotal, timeRng);
    const hour = pickWeighted(HOUR_WEIGHTS, hourTotal, timeRng);
    const second = Math.floor((timeRng.next() * HOUR_MS) / 1000);
    starts[p] = startMs + day * DAY_MS + hour * HOUR_MS + second * 1000;
  }
  starts.sort();
  let firstJob = 0;
  sizes.forEach((size, p) => {
    emitPipeline(ctx, starts[p]!, size, firstJob);
    firstJob += size;
  });
  return {
    jobs: sortJobs(ctx.jobs),
    source: `synthetic(jobs=${options.jobs},cpu-hours=${options.cpuHours},days=${options.days},spiky=${options.spiky},seed=${options.seed})`,
    spanMs: options.days * DAY_MS,
    spanStartMs: startMs,
    skipped: 0,
  };
}
