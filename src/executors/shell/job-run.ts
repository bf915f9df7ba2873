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
  saveResults,
  sourcesAndDependencies,
  userScripts,
  type FlowStageOptions,
  type JobFlow,
} from '../job-flow.js';
import {
  finishJob,
  setupFailure,
  stageFailure,
  systemFailure,
  type JobFailure,
} from '../job-failure.js';
import { createInstanceScriptContext } from './instance-script-context.js';
import { readJobTimeouts, type JobTimeouts } from '../job-timeouts.js';
import { runStage, type StageRunnerDeps } from './stage-runner.js';

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

interface StageOptions extends FlowStageOptions {
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
  readonly #flow: JobFlow;

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
      processGroup: ctx.instance.os === 'linux',
    };
    const { os, arch } = ctx.instance;
    this.#flow = {
      ctx,
      sc: this.#sc,
      clock: deps.clock,
      logger: this.#logger,
      timeouts: this.#timeouts,
      agent: `spotrunner ${options.version} ${os}/${arch}`,
      stage: (name, text, stageOptions) => this.#stage(name, text, stageOptions),
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
    failure = await sourcesAndDependencies(this.#flow);
    failure ??= await userScripts(this.#flow);
    failure = await saveResults(this.#flow, failure);
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
      : this.#sc.buildDirError !== undefined
        ? setupFailure(this.#sc.buildDirError)
        : undefined;
    trace.sectionEnd('prepare_executor');
    return failure;
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
