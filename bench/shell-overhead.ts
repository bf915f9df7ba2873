/**
 * Warm overhead of the `instance` (shell) executor: from the moment the runner receives a job to
 * the moment the job's first script line runs, on a local instance that is already up and
 * connected (idle_count 1). Jobs run one at a time through the real manager and the sandbox
 * server; phases come from timestamped log lines and a timestamp the script itself prints.
 *
 *   acquire      job received → GitLab has `state=running` (fleet slot + two-phase accept)
 *   connect      → prepare_script starts (pooled SSH connection, prepare_executor)
 *   prepare      prepare_script stage
 *   get_sources  git fetch + checkout of the project from the sandbox
 *   first_line   step_script starts → its first line runs
 *
 * Also reported, outside the target: `finish`, from the first line (the job's only one) to
 * GitLab having its final state (after_script-less cleanup, trace flush, final PUT).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemClock, type Clock } from '../src/platform/clock.js';
import type { LogFields, Logger } from '../src/platform/logger.js';
import { startE2e } from '../test/e2e/harness.js';
import type { BenchResult } from './bench-types.js';

interface TimedRecord {
  atMs: number;
  msg: string;
  fields: LogFields;
}

/** Keeps every record (all levels) with the time it was logged. */
class TimedLogger implements Logger {
  readonly records: TimedRecord[];
  readonly #clock: Clock;
  readonly #bindings: LogFields;

  constructor(clock: Clock, records: TimedRecord[] = [], bindings: LogFields = {}) {
    this.#clock = clock;
    this.records = records;
    this.#bindings = bindings;
  }

  #add(fields: LogFields, msg: string): void {
    this.records.push({ atMs: this.#clock.now(), msg, fields: { ...this.#bindings, ...fields } });
  }

  trace(fields: LogFields, msg: string): void {
    this.#add(fields, msg);
  }
  debug(fields: LogFields, msg: string): void {
    this.#add(fields, msg);
  }
  info(fields: LogFields, msg: string): void {
    this.#add(fields, msg);
  }
  warn(fields: LogFields, msg: string): void {
    this.#add(fields, msg);
  }
  error(fields: LogFields, msg: string): void {
    this.#add(fields, msg);
  }
  child(bindings: LogFields): Logger {
    return new TimedLogger(this.#clock, this.records, { ...this.#bindings, ...bindings });
  }
}

const PHASES = [
  'acquire',
  'connect',
  'prepare',
  'get_sources',
  'first_line',
  'total',
  'finish',
] as const;
type Phase = (typeof PHASES)[number];

const CI_YAML = `first-line:
  script:
    - echo "FIRST_LINE_AT=$(date +%s%3N)"
`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function phasesOf(
  records: readonly TimedRecord[],
  jobId: number,
  trace: string,
): Record<Phase, number> {
  const at = (match: (r: TimedRecord) => boolean, what: string): number => {
    const found = records.find(match);
    if (!found) throw new Error(`job ${jobId}: no "${what}" log line`);
    return found.atMs;
  };
  const stage = (name: string) => (r: TimedRecord) =>
    r.msg === 'stage started' && r.fields.job === jobId && r.fields.stage === name;
  const received = at(
    (r) => r.msg === 'checking for jobs: received' && r.fields.jobId === jobId,
    'received',
  );
  const accepted = at((r) => r.msg === 'job accepted' && r.fields.jobId === jobId, 'accepted');
  const prepare = at(stage('prepare_script'), 'prepare_script');
  const sources = at(stage('get_sources'), 'get_sources');
  const script = at(stage('step_script'), 'step_script');
  const finished = at(
    (r) => r.msg === 'job finished' && r.fields.component === 'sandbox' && r.fields.jobId === jobId,
    'finished',
  );
  const firstLine = Number(/FIRST_LINE_AT=(\d+)/.exec(trace)?.[1]);
  if (!Number.isFinite(firstLine)) throw new Error(`job ${jobId}: no FIRST_LINE_AT in the trace`);
  return {
    acquire: accepted - received,
    connect: prepare - accepted,
    prepare: sources - prepare,
    get_sources: script - sources,
    first_line: firstLine - script,
    total: firstLine - received,
    finish: finished - firstLine,
  };
}

export async function benchShellOverhead(): Promise<BenchResult> {
  const clock = new SystemClock();
  const logger = new TimedLogger(clock);
  const projectDir = await mkdtemp(join(tmpdir(), 'spotrunner-bench-project-'));
  await writeFile(join(projectDir, '.gitlab-ci.yml'), CI_YAML);
  const h = await startE2e({
    direct: true,
    logger,
    config: { idleCount: 1, idleTime: '10m', capacityPerInstance: 2, maxInstances: 1 },
  });
  const runs = 10;
  const samples: Record<Phase, number>[] = [];
  try {
    const project = await h.server.createProject({ sourceDir: projectDir, name: 'bench' });
    await h.waitFor('a warm instance', () => h.instances().some((i) => i.status === 'ready'));
    for (let i = 0; i < runs + 2; i++) {
      const pipeline = await h.runPipeline(project.id);
      const job = pipeline.jobs[0]!;
      if (job.status !== 'success') throw new Error(`bench job ${job.id} ended ${job.status}`);
      // The first two jobs warm the connection pool and the project's clone on the instance.
      if (i >= 2) samples.push(phasesOf(logger.records, job.id, h.trace(job.id)));
    }
  } finally {
    await h.close();
    await rm(projectDir, { recursive: true, force: true });
  }
  const figures: Record<string, number> = { jobs: samples.length };
  for (const phase of PHASES) {
    figures[`median ${phase} (ms)`] = median(samples.map((s) => s[phase]));
  }
  figures['max total (ms)'] = Math.max(...samples.map((s) => s.total));
  const total = figures['median total (ms)']!;
  return {
    name: 'shell executor warm overhead (job received → first script line)',
    figures,
    target: '≤500 ms median on a warm local instance',
    ok: total <= 500,
  };
}
