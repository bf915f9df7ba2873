/**
 * One job on one instance, stage by stage, with gitlab-runner's control flow
 * (`common/build.go` executeScript / executeUserScripts): a failing source/cache/dependency
 * stage skips the user script; after_script runs after the script whatever its result and
 * after a graceful cancel or RUNNER_SCRIPT_TIMEOUT, but not after the job timeout or a hard
 * abort; cache and artifacts are saved for the result; file variables are removed unless the
 * instance is gone (system failure).
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { ExecutionContext, JobOutcome } from '../executor.js';
import * as script from '../script/index.js';
import {
  attemptsFailure,
  finishJob,
  pickFailure,
  stageFailure,
  systemFailure,
  type JobFailure,
} from './job-failure.js';
import { createInstanceScriptContext } from './instance-script-context.js';
import { readAttempts, readJobTimeouts, type JobTimeouts } from './job-timeouts.js';
import { runStage, type StageRunnerDeps } from './stage-runner.js';
import { safeCacheUrls } from './safe-cache-urls.js';

export interface JobRunOptions {
  executorName: string;
  version: string;
  revision: string;
  buildsDir: string;
  cacheDir: string;
  killGraceMs: number;
  settleMs: number;
  afterScriptTimeoutMs: number;
  cleanupTimeoutMs: number;
  shellCommand: string;
}

type CancelMode = 'terminal' | 'soft' | 'ignore';

interface StageOptions {
  cancel: CancelMode;
  stageDeadlineMs?: number;
  /** Overrides the job deadline (cleanup runs on its own clock). */
  deadlineMs?: number;
  abortable?: boolean;
}

const TIMEOUT_HELP =
  'could not run to completion because the timeout was exceeded. For more control over job and script timeouts see: https://docs.gitlab.com/ci/runners/configure_runners/#set-script-and-after_script-timeouts';

export class JobRun {
  readonly #ctx: ExecutionContext;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #options: JobRunOptions;
  readonly #sc: script.ScriptContext;
  readonly #stageDeps: StageRunnerDeps;
  readonly #timeouts: JobTimeouts;
  readonly #jobDeadlineMs: number;

  constructor(
    deps: { clock: Clock; logger: Logger },
    ctx: ExecutionContext,
    options: JobRunOptions,
  ) {
    this.#ctx = ctx;
    this.#clock = deps.clock;
    this.#options = options;
    this.#logger = deps.logger.child({ job: ctx.job.id, instance: ctx.instance.id });
    this.#sc = createInstanceScriptContext(ctx, options);
    this.#timeouts = readJobTimeouts(this.#sc, options.afterScriptTimeoutMs);
    this.#jobDeadlineMs = this.#clock.now() + this.#timeouts.jobMs;
    this.#stageDeps = {
      connection: ctx.connection,
      trace: ctx.trace,
      clock: deps.clock,
      logger: this.#logger,
      layout: this.#sc.layout,
      shellCommand: options.shellCommand,
      killGraceMs: options.killGraceMs,
      settleMs: options.settleMs,
    };
  }

  async run(): Promise<JobOutcome> {
    const { trace } = this.#ctx;
    for (const w of this.#timeouts.warnings) trace.warn(w);
    let failure = this.#prepareExecutor();
    failure ??= await this.#stage('prepare_script', script.generatePrepareScript(this.#sc), {
      cancel: 'terminal',
    });
    if (failure) return finishJob(trace, failure);
    failure = await this.#sourcesAndDependencies();
    failure ??= await this.#userScripts();
    if (!failure?.terminal) {
      const succeeded = failure === undefined;
      const cacheFailure = await this.#archiveCache(succeeded);
      const uploadFailure = cacheFailure?.terminal
        ? undefined
        : await this.#uploadArtifacts(succeeded);
      failure = pickFailure(failure, cacheFailure, uploadFailure);
    }
    await this.#cleanup(failure);
    this.#logger.info({ result: failure?.reason ?? 'success' }, 'job finished on instance');
    return finishJob(trace, failure);
  }

  #prepareExecutor(): JobFailure | undefined {
    const { trace, instance, runner, connection } = this.#ctx;
    trace.write(`Running with spotrunner ${this.#options.version} (${this.#options.revision})\n`);
    trace.write(`  on ${runner.name} ${this.#sc.layout.shortToken}\n`);
    trace.sectionStart(
      'prepare_executor',
      `Preparing the "${this.#options.executorName}" executor`,
    );
    trace.write(`Running on ${instance.id} (slot ${instance.slot})...\n`);
    for (const note of this.#ctx.notes ?? []) trace.info(note);
    const failure = connection.closed
      ? systemFailure(`the connection to instance ${instance.id} is closed`)
      : undefined;
    trace.sectionEnd('prepare_executor');
    return failure;
  }

  async #sourcesAndDependencies(): Promise<JobFailure | undefined> {
    const urls = safeCacheUrls(this.#ctx.cache, this.#logger, this.#ctx.trace);
    const stages: [script.StageName, string, () => Promise<string | undefined>][] = [
      ['get_sources', 'GET_SOURCES_ATTEMPTS', () => Promise.resolve(this.#getSources())],
      [
        'restore_cache',
        'RESTORE_CACHE_ATTEMPTS',
        async () =>
          script.generateRestoreCacheScript(
            this.#sc,
            await script.planCacheRestore(this.#sc, urls),
          ),
      ],
      [
        'download_artifacts',
        'ARTIFACT_DOWNLOAD_ATTEMPTS',
        () => Promise.resolve(script.generateDownloadArtifactsScript(this.#sc)),
      ],
    ];
    for (const [name, attemptsKey, generate] of stages) {
      const attempts = readAttempts(this.#sc, attemptsKey);
      if (attempts === undefined) {
        return attemptsFailure(`number of attempts out of the range [1, 10] for stage: ${name}`);
      }
      const text = await generate();
      let failure: JobFailure | undefined;
      for (let attempt = 0; attempt < attempts; attempt++) {
        failure = await this.#stage(name, text, { cancel: 'terminal' });
        if (!failure || failure.terminal) break;
      }
      if (failure) return failure;
    }
    return undefined;
  }

  #getSources(): string {
    const { version } = this.#options;
    const { os, arch } = this.#ctx.instance;
    return script.generateGetSourcesScript(this.#sc, `spotrunner ${version} ${os}/${arch}`);
  }

  async #userScripts(): Promise<JobFailure | undefined> {
    const scriptStart = this.#clock.now();
    let failure: JobFailure | undefined;
    for (const step of script.scriptSteps(this.#sc)) {
      const limits = [
        this.#timeouts.scriptMs > 0 ? scriptStart + this.#timeouts.scriptMs : Infinity,
        step.timeout > 0 ? this.#clock.now() + step.timeout * 1000 : Infinity,
      ];
      const stageDeadlineMs = Math.min(...limits);
      failure = await this.#stage(
        script.stepStageName(step.name),
        script.generateStepScript(this.#sc, step),
        {
          cancel: 'soft',
          ...(Number.isFinite(stageDeadlineMs) ? { stageDeadlineMs } : {}),
        },
      );
      if (failure) break;
    }
    if (failure?.reason === 'job_canceled' && !failure.terminal) {
      this.#ctx.trace.warn('script canceled externally (UI, API)');
    }
    if (failure?.terminal) return failure;
    const after = await this.#afterScript(failure);
    return after ?? failure;
  }

  async #afterScript(prior: JobFailure | undefined): Promise<JobFailure | undefined> {
    const text = script.generateAfterScript({ ...this.#sc, jobStatus: prior?.status ?? 'success' });
    const failure = await this.#stage('after_script', text, {
      cancel: 'ignore',
      stageDeadlineMs: this.#clock.now() + this.#timeouts.afterScriptMs,
    });
    if (!failure || failure.terminal) return failure;
    if (!this.#timeouts.afterScriptIgnoreErrors && !prior) return failure;
    this.#ctx.trace.warn(
      `after_script failed, but job will continue unaffected: ${failure.message}`,
    );
    return undefined;
  }

  async #archiveCache(succeeded: boolean): Promise<JobFailure | undefined> {
    const urls = safeCacheUrls(this.#ctx.cache, this.#logger, this.#ctx.trace);
    const plans = await script.planCacheArchive(this.#sc, urls, succeeded);
    const text = script.generateArchiveCacheScript(this.#sc, plans);
    return this.#stage(succeeded ? 'archive_cache' : 'archive_cache_on_failure', text, {
      cancel: 'ignore',
    });
  }

  #uploadArtifacts(succeeded: boolean): Promise<JobFailure | undefined> {
    const text = script.generateUploadArtifactsScript(this.#sc, succeeded);
    const name = succeeded ? 'upload_artifacts_on_success' : 'upload_artifacts_on_failure';
    return this.#stage(name, text, { cancel: 'ignore' });
  }

  async #cleanup(failure: JobFailure | undefined): Promise<void> {
    // After a system failure (lost connection or instance) there is no one left to clean up.
    if (this.#ctx.connection.closed || failure?.system) return;
    const aborted = this.#ctx.abortSignal.aborted;
    const budgetMs = aborted
      ? Math.min(5000, this.#options.cleanupTimeoutMs)
      : this.#options.cleanupTimeoutMs;
    const result = await this.#stage(
      'cleanup_file_variables',
      script.generateCleanupScript(this.#sc),
      {
        cancel: 'ignore',
        deadlineMs: this.#clock.now() + budgetMs,
        abortable: false,
      },
    );
    if (result) {
      this.#logger.warn(
        { reason: result.reason, after: failure?.reason },
        'cleanup of file variables failed',
      );
    }
  }

  async #stage(
    name: script.StageName,
    text: string | undefined,
    options: StageOptions,
  ): Promise<JobFailure | undefined> {
    if (text === undefined) return undefined;
    const { trace, cancelSignal, abortSignal } = this.#ctx;
    trace.sectionStart(name, script.stageDescription(name));
    this.#logger.debug({ stage: name }, 'stage started');
    const result = await runStage(this.#stageDeps, text, {
      jobDeadlineMs: options.deadlineMs ?? this.#jobDeadlineMs,
      ...(options.stageDeadlineMs !== undefined
        ? { stageDeadlineMs: options.stageDeadlineMs }
        : {}),
      ...(options.cancel === 'ignore' ? {} : { cancelSignal }),
      ...(options.abortable === false ? {} : { abortSignal }),
    });
    if (
      result.kind === 'stopped' &&
      (result.why === 'job_timeout' || result.why === 'stage_timeout')
    ) {
      trace.warn(`${name} ${TIMEOUT_HELP}`);
    }
    trace.sectionEnd(name);
    const failure = stageFailure(result, {
      jobTimeoutMs: this.#timeouts.jobMs,
      abortSignal,
      cancelTerminal: options.cancel === 'terminal',
    });
    if (failure)
      this.#logger.info(
        { stage: name, reason: failure.reason, err: failure.message },
        'stage failed',
      );
    return failure;
  }
}
