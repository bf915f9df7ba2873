/**
 * The job log writer: a TraceSink that masks, limits and stores what executors write, streams it
 * to GitLab while the job runs, and delivers the final state with the rest of the log
 * (gitlab-runner-protocol.md §3.4, §4, §7). `cancelRequested` fires on `Job-Status: canceling`
 * (graceful cancel); `aborted` fires on 403 / `Job-Status: canceled|failed` (stop at once).
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { describeError } from '../../platform/errors.js';
import type { TraceSink } from '../../executors/executor.js';
import { mapFailureReason } from '../failure-reason.js';
import type { JobRef, RunnerApi, UpdateJobRequest } from '../runner-api.js';
import {
  DEFAULT_FINAL_UPDATE_ATTEMPTS,
  DEFAULT_FINAL_UPDATE_MAX_UNAVAILABLE_MS,
  jobLogFinalTrace,
  runFinalUpdate,
  type FinalUpdateOutcome,
} from './final-update.js';
import {
  commandLine,
  errorLine,
  infoLine,
  plainLine,
  sectionEndText,
  sectionHeaderText,
  sectionStartText,
  warningLine,
  type SectionOptions,
} from './job-log-format.js';
import { TraceBuffer } from './trace-buffer.js';
import { createTracePipeline, type TracePipeline } from './trace-pipeline.js';
import {
  DEFAULT_FORCE_SEND_INTERVAL_MS,
  DEFAULT_UPDATE_INTERVAL_MS,
  createTraceSender,
  type TraceSender,
} from './trace-sender.js';

export interface JobTraceDeps {
  clock: Clock;
  logger: Logger;
  api: RunnerApi;
  random?: () => number;
}

export interface JobTraceOptions {
  job: JobRef;
  /** Values replaced by `[MASKED]`; the job token is always added. */
  maskedValues: readonly string[];
  /** Extra token prefixes (job `features.token_mask_prefixes`); the defaults always apply. */
  tokenPrefixes: readonly string[];
  outputLimitBytes: number;
  /** Job `features.trace_sections`: write section markers. */
  traceSections: boolean;
  /** Job `features.failure_reasons`, to map failure reasons this GitLab does not know. */
  failureReasons?: readonly string[];
  updateIntervalMs?: number;
  forceSendIntervalMs?: number;
  /** Rounds GitLab may reject before the final update gives up (default 10). */
  finalUpdateAttempts?: number;
  /** How long the final update keeps trying while GitLab does not answer (default 2 h). */
  finalUpdateMaxUnavailableMs?: number;
  memoryLimitBytes?: number;
  tempDir?: string;
  /**
   * Keep the (masked) log in this file, 0600, so that a restarted manager can send what GitLab
   * has not got (resumed-log.ts). The file stays after `finish`; the state store removes it once
   * GitLab has the final state. When it cannot be created the log is kept as without it.
   */
  logFile?: string;
}

export interface TraceFinishRequest {
  result: 'success' | 'failed';
  failureReason?: string;
  exitCode?: number;
}

export type TraceFinishResult = FinalUpdateOutcome | { kind: 'skipped'; reason: string };

export interface TraceFinishOptions {
  signal?: AbortSignal;
  /**
   * Called once, before the first PUT, with the final update as it will be sent (state, reason,
   * exit code, checksum and size of the complete log): lets the caller record it durably so a
   * restarted manager re-sends this very state.
   */
  onFinalState?: (update: UpdateJobRequest) => Promise<void>;
}

export interface JobTrace extends TraceSink {
  write(chunk: string | Buffer): void;
  println(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  command(command: string): void;
  /** Marker (when the job renders sections) then the header in bold cyan. */
  sectionStart(name: string, header: string, options?: SectionOptions): void;
  sectionEnd(name: string): void;
  /** Runs `fn` inside a section; the end marker is written even when `fn` throws. */
  section<T>(
    name: string,
    header: string,
    fn: () => Promise<T>,
    options?: SectionOptions,
  ): Promise<T>;
  /** Starts streaming to GitLab (call after the job is accepted, i.e. `state=running`). */
  start(): void;
  /** Flushes everything and reports the final state; retries until delivered or given up. */
  finish(outcome: TraceFinishRequest, options?: TraceFinishOptions): Promise<TraceFinishResult>;
  /** Stops streaming and frees the buffer without a final update (job handed elsewhere). */
  discard(): Promise<void>;
  readonly cancelRequested: AbortSignal;
  readonly aborted: AbortSignal;
  readonly size: number;
  readonly checksum: string;
  readonly sentOffset: number;
}

export function createJobTrace(deps: JobTraceDeps, options: JobTraceOptions): JobTrace {
  return new JobTraceWriter(deps, options);
}

class JobTraceWriter implements JobTrace {
  readonly #deps: JobTraceDeps;
  readonly #options: JobTraceOptions;
  readonly #log: Logger;
  readonly #cancel = new AbortController();
  readonly #abort = new AbortController();
  readonly #stopLoop = new AbortController();
  readonly #buffer: TraceBuffer;
  readonly #pipeline: TracePipeline;
  readonly #sender: TraceSender;
  #loop: Promise<void> | undefined;
  #finished = false;

  constructor(deps: JobTraceDeps, options: JobTraceOptions) {
    this.#deps = deps;
    this.#options = options;
    this.#log = deps.logger.child({ component: 'trace', jobId: options.job.id });
    this.#buffer = this.#createBuffer(options);
    this.#pipeline = createTracePipeline(this.#buffer, {
      maskedValues: [...options.maskedValues, options.job.token],
      tokenPrefixes: options.tokenPrefixes,
    });
    this.#sender = createTraceSender(
      { clock: deps.clock, logger: this.#log, api: deps.api },
      {
        job: options.job,
        buffer: this.#buffer,
        updateIntervalMs: options.updateIntervalMs ?? DEFAULT_UPDATE_INTERVAL_MS,
        forceSendIntervalMs: options.forceSendIntervalMs ?? DEFAULT_FORCE_SEND_INTERVAL_MS,
        onCancelRequested: () => this.#onCancelRequested(),
        onAbort: (status) => this.#onAbort(status),
      },
    );
  }

  get cancelRequested(): AbortSignal {
    return this.#cancel.signal;
  }
  get aborted(): AbortSignal {
    return this.#abort.signal;
  }
  get size(): number {
    return this.#buffer.size;
  }
  get checksum(): string {
    return this.#buffer.checksum;
  }
  get sentOffset(): number {
    return this.#sender.sentOffset;
  }

  write(chunk: string | Buffer): void {
    if (!this.#finished) this.#pipeline.write(chunk);
  }
  println(message: string): void {
    this.write(plainLine(message));
  }
  info(message: string): void {
    this.write(infoLine(message));
  }
  warn(message: string): void {
    this.write(warningLine(message));
  }
  error(message: string): void {
    this.write(errorLine(message));
  }
  command(command: string): void {
    this.write(commandLine(command));
  }

  sectionStart(name: string, header: string, opts: SectionOptions = {}): void {
    if (this.#options.traceSections)
      this.write(sectionStartText(name, this.#deps.clock.now(), opts));
    if (header) this.write(sectionHeaderText(header));
  }

  sectionEnd(name: string): void {
    if (this.#options.traceSections) this.write(sectionEndText(name, this.#deps.clock.now()));
  }

  async section<T>(
    name: string,
    header: string,
    fn: () => Promise<T>,
    opts: SectionOptions = {},
  ): Promise<T> {
    this.sectionStart(name, header, opts);
    try {
      return await fn();
    } finally {
      this.sectionEnd(name);
    }
  }

  start(): void {
    if (this.#loop || this.#finished) return;
    this.#loop = this.#runLoop();
  }

  async finish(
    outcome: TraceFinishRequest,
    options: TraceFinishOptions = {},
  ): Promise<TraceFinishResult> {
    if (this.#finished) return { kind: 'skipped', reason: 'already finished' };
    this.#finished = true;
    await this.#halt();
    this.#pipeline.flush();
    try {
      if (this.#abort.signal.aborted) return { kind: 'skipped', reason: 'job aborted by GitLab' };
      const failed = outcome.result === 'failed';
      const reason = mapFailureReason(outcome.failureReason, this.#options.failureReasons);
      const update: UpdateJobRequest = {
        state: outcome.result,
        ...(failed ? { failureReason: reason } : {}),
        ...(outcome.exitCode ? { exitCode: outcome.exitCode } : {}),
      };
      // The log is complete from here on: what is recorded is exactly what every PUT sends.
      this.#syncLog();
      await options.onFinalState?.({
        ...update,
        checksum: this.#buffer.checksum,
        bytesize: this.#buffer.size,
      });
      return await runFinalUpdate(
        {
          clock: this.#deps.clock,
          logger: this.#log,
          api: this.#deps.api,
          ...(this.#deps.random ? { random: this.#deps.random } : {}),
        },
        {
          job: this.#options.job,
          trace: jobLogFinalTrace(this.#buffer, this.#sender),
          update,
          attempts: this.#options.finalUpdateAttempts ?? DEFAULT_FINAL_UPDATE_ATTEMPTS,
          maxUnavailableMs:
            this.#options.finalUpdateMaxUnavailableMs ?? DEFAULT_FINAL_UPDATE_MAX_UNAVAILABLE_MS,
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
    } finally {
      this.#buffer.close();
    }
  }

  async discard(): Promise<void> {
    this.#finished = true;
    await this.#halt();
    this.#buffer.close();
  }

  #createBuffer(options: JobTraceOptions): TraceBuffer {
    const base = {
      outputLimitBytes: options.outputLimitBytes,
      ...(options.memoryLimitBytes !== undefined
        ? { memoryLimitBytes: options.memoryLimitBytes }
        : {}),
      ...(options.tempDir !== undefined ? { tempDir: options.tempDir } : {}),
    };
    if (options.logFile === undefined) return new TraceBuffer(base);
    const onFileError = (err: unknown): void =>
      this.#log.warn(
        { file: options.logFile, err: describeError(err) },
        'cannot write the job log to disk any more; a crash may lose its tail',
      );
    try {
      return new TraceBuffer({ ...base, file: options.logFile, onFileError });
    } catch (err: unknown) {
      this.#log.warn(
        { file: options.logFile, err: describeError(err) },
        'cannot keep the job log on disk; a crash may lose its tail',
      );
      return new TraceBuffer(base);
    }
  }

  /** The complete log on disk before its final state is recorded as being delivered. */
  #syncLog(): void {
    try {
      this.#buffer.sync();
    } catch (err: unknown) {
      this.#log.warn({ err: describeError(err) }, 'cannot sync the job log to disk');
    }
  }

  async #runLoop(): Promise<void> {
    while (!this.#stopLoop.signal.aborted && !this.#abort.signal.aborted) {
      try {
        await this.#deps.clock.sleep(this.#sender.intervalMs, this.#stopLoop.signal);
      } catch {
        return; // stopped
      }
      try {
        await this.#sender.tick();
      } catch (err: unknown) {
        this.#log.error({ err: describeError(err) }, 'trace update failed unexpectedly');
      }
    }
  }

  async #halt(): Promise<void> {
    this.#stopLoop.abort();
    await this.#loop;
  }

  #onCancelRequested(): void {
    if (this.#cancel.signal.aborted) return;
    this.#log.info({}, 'gitlab requested cancel');
    this.#cancel.abort(new Error('job cancel requested by GitLab'));
  }

  #onAbort(status: string | undefined): void {
    if (this.#abort.signal.aborted) return;
    this.#log.warn({ jobStatus: status }, 'gitlab aborted the job');
    this.#abort.abort(new Error(`job aborted by GitLab${status ? ` (status ${status})` : ''}`));
  }
}
