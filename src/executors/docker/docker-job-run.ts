/**
 * One job in Docker on an instance, with the shell executor's control flow (shell/job-run.ts):
 * prepare_executor pulls images and starts network, volumes, helper, services and the first
 * build container; helper stages (prepare_script, get_sources, restore_cache,
 * download_artifacts, archive_cache, upload_artifacts) run by `docker exec` in the helper;
 * each user stage (step_*, after_script) runs in its own build container of the job image.
 * Whatever happens, every container, network and per-job volume is removed before `run`
 * returns.
 */
import type Docker from 'dockerode';
import type { Clock } from '../../platform/clock.js';
import { describeError, SpotrunnerError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { ExecutionContext, JobOutcome } from '../executor.js';
import * as script from '../script/index.js';
import {
  saveResults,
  sourcesAndDependencies,
  userScripts,
  type JobFlow,
  type StagePlace,
} from '../job-flow.js';
import { finishJob, setupFailure, type JobFailure } from '../job-failure.js';
import { readJobTimeouts, type JobTimeouts } from '../job-timeouts.js';
import {
  createDockerScriptContext,
  planDockerEnvironment,
  type DockerSetupOptions,
} from './docker-job-setup.js';
import { DockerJobEnvironment } from './job-environment.js';
import { failureFromError } from './prepare-failure.js';
import { describeDockerError } from './docker-errors.js';
import { watchFirstOutput, type PhaseListener } from './phases.js';
import type { StageTarget } from './stage-targets.js';
import { runStageSection, type StageSectionDeps } from './stage-section.js';

export interface DockerJobRunOptions extends DockerSetupOptions {
  executorName: string;
  killGraceMs: number;
  settleMs: number;
  afterScriptTimeoutMs: number;
  onPhase?: PhaseListener;
}

type Target = () => Promise<StageTarget>;

export class DockerJobRun {
  readonly #ctx: ExecutionContext;
  readonly #deps: { clock: Clock; logger: Logger; docker: Docker };
  readonly #options: DockerJobRunOptions;
  readonly #sc: script.ScriptContext;
  readonly #sectionDeps: StageSectionDeps;
  readonly #timeouts: JobTimeouts;
  readonly #jobDeadlineMs: number;
  /** Aborted when the job timeout passes (for waits that are not stages). */
  readonly #deadline = new AbortController();
  #env: DockerJobEnvironment | undefined;
  readonly #flow: JobFlow;

  constructor(
    deps: { clock: Clock; logger: Logger; docker: Docker },
    ctx: ExecutionContext,
    options: DockerJobRunOptions,
  ) {
    this.#ctx = ctx;
    this.#deps = deps;
    this.#options = options;
    this.#sc = createDockerScriptContext(ctx, options);
    this.#timeouts = readJobTimeouts(this.#sc, options.afterScriptTimeoutMs);
    this.#jobDeadlineMs = deps.clock.now() + this.#timeouts.jobMs;
    this.#sectionDeps = {
      ctx,
      logger: deps.logger,
      jobDeadlineMs: this.#jobDeadlineMs,
      jobTimeoutMs: this.#timeouts.jobMs,
      stage: {
        ...deps,
        trace: ctx.trace,
        layout: this.#sc.layout,
        killGraceMs: options.killGraceMs,
        settleMs: options.settleMs,
      },
      ...(options.onPhase ? { onPhase: options.onPhase } : {}),
    };
    this.#flow = {
      ctx,
      sc: this.#sc,
      clock: deps.clock,
      logger: deps.logger,
      timeouts: this.#timeouts,
      agent: `spotrunner ${options.version} docker`,
      stage: (name, text, stageOptions, place) =>
        runStageSection(this.#sectionDeps, name, this.#targetFor(place), text, stageOptions),
    };
  }

  async run(): Promise<JobOutcome> {
    const { trace } = this.#ctx;
    const deadline = this.#deadline;
    const disarm = this.#deps.clock.schedule(this.#jobDeadlineMs - this.#deps.clock.now(), () =>
      deadline.abort(new SpotrunnerError('timeout', 'job timeout')),
    );
    let failure: JobFailure | undefined;
    try {
      for (const w of this.#timeouts.warnings) trace.warn(w);
      failure = await this.#prepareExecutor(deadline.signal);
      if (!failure) {
        this.#prepareScript();
        failure = await this.#runStages();
      }
    } finally {
      disarm();
      await this.#cleanup();
    }
    this.#deps.logger.info({ result: failure?.reason ?? 'success' }, 'job finished on instance');
    return finishJob(trace, failure);
  }

  async #prepareExecutor(deadline: AbortSignal): Promise<JobFailure | undefined> {
    const { trace, instance, runner } = this.#ctx;
    const { version, revision, executorName } = this.#options;
    trace.write(`Running with spotrunner ${version} (${revision})\n`);
    trace.write(`  on ${runner.name} ${this.#sc.layout.shortToken}\n`);
    const header = `Preparing the "${executorName}" executor`;
    trace.sectionStart('prepare_executor', header);
    this.#options.onPhase?.('prepare', 'start');
    try {
      if (this.#sc.buildDirError !== undefined) return setupFailure(this.#sc.buildDirError);
      const setup = planDockerEnvironment(this.#ctx, this.#sc, this.#options);
      for (const w of setup.warnings) trace.warn(w);
      trace.write(`Using Docker executor with image ${setup.environment.images.build.name} ...\n`);
      for (const s of setup.environment.services) trace.write(`Starting service ${s.name} ...\n`);
      trace.write(`Running on ${instance.id} (slot ${instance.slot})...\n`);
      for (const note of this.#ctx.notes ?? []) trace.info(note);
      this.#env = new DockerJobEnvironment(
        {
          ...this.#deps,
          trace,
          ...(this.#options.onPhase ? { onPhase: this.#options.onPhase } : {}),
          ...(this.#ctx.timings ? { timings: this.#ctx.timings } : {}),
        },
        setup.environment,
      );
      const { abortSignal, cancelSignal } = this.#ctx;
      await this.#env.prepare(AbortSignal.any([abortSignal, cancelSignal, deadline]));
      if (setup.environment.services.length > 0) {
        const seconds = Math.ceil(this.#options.waitForServicesMs / 1000);
        trace.write(`Waiting for services to be up and running (timeout ${seconds} seconds)...\n`);
      }
      return undefined;
    } catch (err: unknown) {
      this.#deps.logger.info({ err: describeError(err) }, 'docker environment not prepared');
      return failureFromError(err, this.#ctx, this.#timeouts.jobMs, deadline.aborted);
    } finally {
      this.#options.onPhase?.('prepare', 'end');
      trace.sectionEnd('prepare_executor');
    }
  }

  /**
   * prepare_script: in a container there is nothing to set up (the helper image is known to
   * have the tools), so the section only says where the job runs, without an extra exec.
   */
  #prepareScript(): void {
    const { trace, instance } = this.#ctx;
    const name = 'prepare_script';
    trace.sectionStart(name, script.stageDescription(name));
    trace.write(`Running on ${this.#env?.helperHostname ?? ''} via ${instance.id}...\n`);
    trace.sectionEnd(name);
  }

  #timedOut(): boolean {
    return this.#deps.clock.now() >= this.#jobDeadlineMs;
  }

  async #runStages(): Promise<JobFailure | undefined> {
    const { abortSignal, cancelSignal } = this.#ctx;
    const signal = AbortSignal.any([abortSignal, cancelSignal, this.#deadline.signal]);
    const servicesReady = this.#env?.servicesReady(signal) ?? Promise.resolve([]);
    servicesReady.catch(() => undefined);
    let failure = await sourcesAndDependencies(this.#flow);
    failure ??= await this.#servicesReady(servicesReady);
    failure ??= await userScripts(this.#flow);
    return saveResults(this.#flow, failure);
  }

  /** Services start during the helper stages; the user's script waits for them. */
  async #servicesReady(servicesReady: Promise<string[]>): Promise<JobFailure | undefined> {
    try {
      for (const warning of await servicesReady) this.#ctx.trace.warn(warning);
      return undefined;
    } catch (err: unknown) {
      this.#ctx.trace.error(`cannot start the services: ${describeDockerError(err)}`);
      return failureFromError(err, this.#ctx, this.#timeouts.jobMs, this.#timedOut());
    }
  }

  async #cleanup(): Promise<void> {
    if (!this.#env) return;
    this.#options.onPhase?.('cleanup', 'start');
    try {
      const report = await this.#env.cleanup();
      if (report.failures.length > 0) {
        this.#deps.logger.warn({ ...report }, 'some job resources were not removed');
      } else {
        this.#deps.logger.debug({ ...report }, 'job resources removed');
      }
    } catch (err: unknown) {
      this.#deps.logger.error({ err: describeError(err) }, 'job resource cleanup failed');
    } finally {
      this.#options.onPhase?.('cleanup', 'end');
    }
  }

  readonly #helper: Target = () => {
    if (!this.#env) return Promise.reject(new Error('the Docker environment is not prepared'));
    return Promise.resolve(this.#env.helperTarget());
  };

  #build(prestartNext: boolean, first: boolean): Target {
    return async () => {
      if (!this.#env) throw new Error('the Docker environment is not prepared');
      const build = await this.#env.takeBuildContainer(prestartNext);
      return first ? watchFirstOutput(build, this.#options.onPhase) : build;
    };
  }

  #targetFor(place: StagePlace): Target {
    if (place.kind === 'helper') return this.#helper;
    if (place.kind === 'step') return this.#build(place.moreFollow, place.first);
    return this.#build(false, false);
  }
}
