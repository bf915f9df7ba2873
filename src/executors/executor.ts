/**
 * The Executor port: run one GitLab job on one instance through its connection, writing the
 * job log to `trace`, and say how it ended. Stages: prepare, get_sources, restore_cache,
 * download_artifacts, step_script, after_script, archive_cache, upload_artifacts.
 */
import type { InstanceConnection } from '../connect/connection.js';
import type { CompiledRunner } from '../config/types.js';
import type { JobPayload } from '../gitlab/job-payload.js';

export type FailureReason =
  | 'script_failure'
  | 'runner_system_failure'
  | 'job_execution_timeout'
  | 'image_pull_failure'
  | 'runner_configuration_error'
  | 'runner_external_dependency_failure'
  | 'runner_interrupted'
  | 'unknown_failure'
  | 'job_canceled';

export interface JobOutcome {
  result: 'success' | 'failed';
  failureReason?: FailureReason;
  exitCode?: number;
  /** One line for logs and the trace's final line. */
  message?: string;
}

/**
 * Where the job log goes. Masking, output limits and CRC are the trace writer's business
 * (src/gitlab); executors write raw output and use the helpers for framing lines.
 */
export interface TraceSink {
  /** Raw job output (script stdout/stderr). */
  write(chunk: string | Buffer): void;
  /**
   * `section_start:<unix>:<name>[opts]\r\x1b[0K` when the job renders sections, then `header`
   * (plain text: the sink styles it, bold cyan as gitlab-runner does).
   */
  sectionStart(name: string, header: string, options?: { collapsed?: boolean }): void;
  sectionEnd(name: string): void;
  /** Bold green informational line, as gitlab-runner prints them. */
  info(line: string): void;
  /** Yellow `WARNING: …` line. */
  warn(line: string): void;
  /** Red `ERROR: …` line. */
  error(line: string): void;
}

export interface CacheUrls {
  /** Presigned GET URL for a cache key (after sanitising), or undefined when no cache is set. */
  getUrl(key: string): Promise<string | undefined>;
  /** Presigned PUT URL for a cache key. */
  putUrl(key: string): Promise<string | undefined>;
}

/**
 * Where an executor reports how long parts of a job took, for the job's history record. Only
 * times, never names of images or registries.
 */
export interface JobTimings {
  /**
   * Wall time this run spent pulling images (job, services, helper; concurrent pulls count
   * once); 0 when every image was on the instance already.
   */
  imagesPulled(ms: number): void;
}

export interface ExecutionContext {
  job: JobPayload;
  runner: CompiledRunner;
  connection: InstanceConnection;
  instance: { id: string; slot: number; os: string; arch: string };
  /**
   * gitlab-runner's concurrent ids, unique among the runner's running jobs (not per instance):
   * `id` is CI_CONCURRENT_ID, `projectId` is CI_CONCURRENT_PROJECT_ID and names the job's dir
   * in a shared builds dir (`<builds_dir>/<short token>/<projectId>/<namespace>/<project>`).
   */
  concurrency: { id: number; projectId: number };
  trace: TraceSink;
  /** Hard abort: kill everything, skip after_script (job canceled, instance lost). */
  abortSignal: AbortSignal;
  /** Graceful cancel: stop the script, still run after_script, then report. */
  cancelSignal: AbortSignal;
  /** Base URL of GitLab as instances reach it (for artifacts); usually the runner's url. */
  gitlabUrl: string;
  cache?: CacheUrls;
  /** Lines from the manager about this run (time spent waiting for an instance, a rerun), shown in prepare_executor. */
  notes?: readonly string[];
  /** Monotonic-enough time source for timeouts and section timestamps. */
  nowMs: () => number;
  /** Phase times for the job's history record (absent when nothing records them). */
  timings?: JobTimings;
}

export interface Executor {
  readonly name: string;
  run(ctx: ExecutionContext): Promise<JobOutcome>;
}
