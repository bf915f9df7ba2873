/**
 * The stage order every executor follows once its environment is prepared, as gitlab-runner's
 * `common/build.go` (executeScript / executeUserScripts) runs it: get_sources, restore_cache and
 * download_artifacts with their *_ATTEMPTS; the user's steps, each with the script and step
 * timeouts; after_script after the script whatever its result (not after a terminal failure);
 * then the cache and artifacts saved for the result. An executor supplies only how one stage
 * runs, and where (the shell executor runs every stage the same way; Docker runs helper stages
 * in the helper container and user stages in build containers).
 */
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { ExecutionContext } from './executor.js';
import * as script from './script/index.js';
import { attemptsFailure, pickFailure, type JobFailure } from './job-failure.js';
import { readAttempts, type JobTimeouts } from './job-timeouts.js';
import { safeCacheUrls } from './safe-cache-urls.js';

/** How a cancel affects a stage: ends the job, ends the stage (after_script still runs), or none. */
export type CancelMode = 'terminal' | 'soft' | 'ignore';

export interface FlowStageOptions {
  cancel: CancelMode;
  /** Absolute time at which this stage times out, when earlier than the job deadline. */
  stageDeadlineMs?: number;
}

/**
 * Where a stage runs: a helper stage (sources, cache, artifacts), user step `index` (`first`,
 * and whether another user stage follows it), or after_script.
 */
export type StagePlace =
  { kind: 'helper' } | { kind: 'step'; first: boolean; moreFollow: boolean } | { kind: 'after' };

export type FlowStage = (
  name: script.StageName,
  text: string | undefined,
  options: FlowStageOptions,
  place: StagePlace,
) => Promise<JobFailure | undefined>;

export interface JobFlow {
  ctx: ExecutionContext;
  sc: script.ScriptContext;
  clock: Clock;
  logger: Logger;
  timeouts: JobTimeouts;
  /** The user agent git and curl announce in get_sources. */
  agent: string;
  stage: FlowStage;
}

const HELPER: StagePlace = { kind: 'helper' };

/** get_sources, restore_cache, download_artifacts; the first failure ends the sequence. */
export async function sourcesAndDependencies(flow: JobFlow): Promise<JobFailure | undefined> {
  const { sc } = flow;
  const urls = safeCacheUrls(flow.ctx.cache, flow.logger, flow.ctx.trace);
  const stages: [script.StageName, string, () => Promise<string | undefined>][] = [
    [
      'get_sources',
      'GET_SOURCES_ATTEMPTS',
      () => Promise.resolve(script.generateGetSourcesScript(sc, flow.agent)),
    ],
    [
      'restore_cache',
      'RESTORE_CACHE_ATTEMPTS',
      async () => script.generateRestoreCacheScript(sc, await script.planCacheRestore(sc, urls)),
    ],
    [
      'download_artifacts',
      'ARTIFACT_DOWNLOAD_ATTEMPTS',
      () => Promise.resolve(script.generateDownloadArtifactsScript(sc)),
    ],
  ];
  for (const [name, attemptsKey, generate] of stages) {
    const attempts = readAttempts(sc, attemptsKey);
    if (attempts === undefined) {
      return attemptsFailure(`number of attempts out of the range [1, 10] for stage: ${name}`);
    }
    const text = await generate();
    let failure: JobFailure | undefined;
    for (let attempt = 0; attempt < attempts; attempt++) {
      failure = await flow.stage(name, text, { cancel: 'terminal' }, HELPER);
      if (!failure || failure.terminal) break;
    }
    if (failure) return failure;
  }
  return undefined;
}

/** The user's steps, then after_script (unless a step failed terminally). */
export async function userScripts(flow: JobFlow): Promise<JobFailure | undefined> {
  const { sc, clock, timeouts } = flow;
  const steps = script.scriptSteps(sc);
  const hasAfter = script.generateAfterScript({ ...sc, jobStatus: 'success' }) !== undefined;
  const scriptStart = clock.now();
  let failure: JobFailure | undefined;
  for (const [i, step] of steps.entries()) {
    const stageDeadlineMs = Math.min(
      timeouts.scriptMs > 0 ? scriptStart + timeouts.scriptMs : Infinity,
      step.timeout > 0 ? clock.now() + step.timeout * 1000 : Infinity,
    );
    failure = await flow.stage(
      script.stepStageName(step.name),
      script.generateStepScript(sc, step),
      { cancel: 'soft', ...(Number.isFinite(stageDeadlineMs) ? { stageDeadlineMs } : {}) },
      { kind: 'step', first: i === 0, moreFollow: i < steps.length - 1 || hasAfter },
    );
    if (failure) break;
  }
  if (failure?.reason === 'job_canceled' && !failure.terminal) {
    flow.ctx.trace.warn('script canceled externally (UI, API)');
  }
  if (failure?.terminal) return failure;
  return (await afterScript(flow, failure)) ?? failure;
}

async function afterScript(
  flow: JobFlow,
  prior: JobFailure | undefined,
): Promise<JobFailure | undefined> {
  const text = script.generateAfterScript({ ...flow.sc, jobStatus: prior?.status ?? 'success' });
  const failure = await flow.stage(
    'after_script',
    text,
    { cancel: 'ignore', stageDeadlineMs: flow.clock.now() + flow.timeouts.afterScriptMs },
    { kind: 'after' },
  );
  if (!failure || failure.terminal) return failure;
  if (!flow.timeouts.afterScriptIgnoreErrors && !prior) return failure;
  flow.ctx.trace.warn(`after_script failed, but job will continue unaffected: ${failure.message}`);
  return undefined;
}

/**
 * Saves the cache and uploads artifacts for the result so far (nothing after a terminal
 * failure); returns the failure that decides the job.
 */
export async function saveResults(
  flow: JobFlow,
  failure: JobFailure | undefined,
): Promise<JobFailure | undefined> {
  if (failure?.terminal) return failure;
  const succeeded = failure === undefined;
  const { sc } = flow;
  const urls = safeCacheUrls(flow.ctx.cache, flow.logger, flow.ctx.trace);
  const plans = await script.planCacheArchive(sc, urls, succeeded);
  const cacheFailure = await flow.stage(
    succeeded ? 'archive_cache' : 'archive_cache_on_failure',
    script.generateArchiveCacheScript(sc, plans),
    { cancel: 'ignore' },
    HELPER,
  );
  const uploadFailure = cacheFailure?.terminal
    ? undefined
    : await flow.stage(
        succeeded ? 'upload_artifacts_on_success' : 'upload_artifacts_on_failure',
        script.generateUploadArtifactsScript(sc, succeeded),
        { cancel: 'ignore' },
        HELPER,
      );
  return pickFailure(failure, cacheFailure, uploadFailure);
}
