/**
 * Runs the shell executor against a local process connection in a temp dir, with a memory
 * trace that can trigger cancel/abort when a given text appears in the log.
 */
import { execFileSync } from 'node:child_process';
import type { InstanceConnection } from '../../connect/connection.js';
import { createProcessConnection } from '../../connect/process-connection.js';
import type { CompiledRunner } from '../../config/types.js';
import type { JobPayload } from '../../gitlab/job-payload.js';
import { SystemClock } from '../../platform/clock.js';
import { MemoryLogger } from '../../platform/logger.js';
import type { CacheUrls, ExecutionContext, Executor, JobOutcome, JobTimings } from '../executor.js';
import { createShellExecutor, type ShellExecutorOptions } from '../shell/shell-executor.js';
import { makeRunner } from './job-fixture.js';
import { MemoryTrace } from './memory-trace.js';

/** A MemoryTrace that calls `onText` after every write with the log so far. */
export class WatchedTrace extends MemoryTrace {
  readonly #watchers: { text: string; fn: () => void }[] = [];

  when(text: string, fn: () => void): void {
    this.#watchers.push({ text, fn });
  }

  override write(chunk: string | Buffer): void {
    super.write(chunk);
    const log = this.text;
    for (const w of this.#watchers.splice(0)) {
      if (log.includes(w.text)) w.fn();
      else this.#watchers.push(w);
    }
  }
}

export interface HarnessRun {
  outcome: JobOutcome;
  trace: WatchedTrace;
  logger: MemoryLogger;
}

export interface HarnessOptions {
  dir: string;
  runner?: CompiledRunner;
  cache?: CacheUrls;
  gitlabUrl?: string;
  cancel?: AbortController;
  abort?: AbortController;
  connection?: InstanceConnection;
  /** The executor under test; a shell executor with `shellOptions` when omitted. */
  executor?: Executor;
  shellOptions?: ShellExecutorOptions;
  /** Called with the trace before the job starts (to arm watchers). */
  arm?: (trace: WatchedTrace) => void;
  /** The job's concurrent ids (default 0 and 0). */
  concurrency?: { id: number; projectId: number };
  /** Hears the phase times the executor reports (as the runner's job tally does). */
  timings?: JobTimings;
}

export async function runJob(job: JobPayload, options: HarnessOptions): Promise<HarnessRun> {
  const clock = new SystemClock();
  const logger = new MemoryLogger();
  const trace = new WatchedTrace(() => Math.floor(clock.now() / 1000));
  options.arm?.(trace);
  const executor =
    options.executor ??
    createShellExecutor(
      { logger, clock },
      {
        version: '0.1.0-test',
        revision: 'abc123',
        killGraceMs: 2000,
        settleMs: 2000,
        ...options.shellOptions,
      },
    );
  const ctx: ExecutionContext = {
    job,
    runner: options.runner ?? makeRunner(),
    connection:
      options.connection ?? createProcessConnection({ instanceId: 'local-1', cwd: options.dir }),
    instance: { id: 'local-1', slot: 0, os: 'linux', arch: 'amd64' },
    concurrency: options.concurrency ?? { id: 0, projectId: 0 },
    trace,
    abortSignal: (options.abort ?? new AbortController()).signal,
    cancelSignal: (options.cancel ?? new AbortController()).signal,
    gitlabUrl: options.gitlabUrl ?? 'http://127.0.0.1:9',
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.timings ? { timings: options.timings } : {}),
    nowMs: () => clock.now(),
  };
  const outcome = await executor.run(ctx);
  return { outcome, trace, logger };
}

/** Live (non-zombie) processes whose command line contains `marker`. */
export function liveProcesses(marker: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' });
  return ps
    .split('\n')
    .filter(
      (line) => line.includes(marker) && !line.trim().startsWith('Z') && !line.includes('ps -eo'),
    );
}
