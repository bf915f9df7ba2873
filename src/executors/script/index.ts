/**
 * Bash generation for every job stage, shared by the instance/shell executor (scripts run
 * through `bash -s` over the connection) and the docker executor (the same scripts run inside
 * the build container). Instance requirements: bash ≥ 4, git, curl, zip, unzip, gzip,
 * coreutils, find, sort.
 */
export {
  computeBuildLayout,
  projectSlug,
  shortenToken,
  type BuildLayout,
  type BuildLayoutOptions,
} from './build-layout.js';
export { cacheObjectName, sanitizeCacheKey, type CacheObjectOptions } from './cache-key.js';
export {
  planCacheArchive,
  planCacheRestore,
  whenMatches,
  type CacheArchivePlan,
  type CacheRestorePlan,
  type CacheSource,
} from './cache-plan.js';
export { generateArchiveCacheScript, generateRestoreCacheScript } from './cache-stages.js';
export {
  artifactsToUpload,
  generateDownloadArtifactsScript,
  generateUploadArtifactsScript,
} from './artifact-stages.js';
export { generateGetSourcesScript } from './get-sources-stage.js';
export { readGitSettings, type GitSettings, type GitStrategy } from './git-settings.js';
export {
  collectJobVariables,
  VariableSet,
  type PredefinedVariablesOptions,
  type ScriptVariable,
} from './job-variables.js';
export { generatePrepareScript, REQUIRED_TOOLS } from './prepare-stage.js';
export {
  createScriptContext,
  gitlabBaseUrl,
  type RunnerScriptSettings,
  type ScriptContext,
  type ScriptContextInput,
} from './script-context.js';
export { renderKillScript, renderStageScript } from './stage-script.js';
export { stageDescription, stepStageName, type StageName } from './stage-names.js';
export {
  AFTER_SCRIPT_STEP,
  generateAfterScript,
  generateCleanupScript,
  generateStepScript,
  scriptSteps,
} from './user-script-stages.js';
