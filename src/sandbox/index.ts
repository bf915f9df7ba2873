export {
  createSandboxServer,
  type SandboxServer,
  type SandboxServerDeps,
} from './sandbox-server.js';
export type { SandboxApi, WaitOptions } from './sandbox-api.js';
export {
  SANDBOX_CLI_DEFAULTS,
  compileSandboxOptions,
  type SandboxServerOptions,
  type SandboxSettings,
} from './sandbox-options.js';
export {
  SANDBOX_PROJECT_FILE,
  type CreateProjectOptions,
  type ProjectVariableInput,
} from './project-config.js';
export type { CreatePipelineOptions } from './project-service.js';
export type { CreateRunnerOptions } from './model/runner-registry.js';
export {
  FAULT_ENDPOINTS,
  type FaultEndpoint,
  type FaultSpec,
  type FaultSwitches,
} from './http/fault-switches.js';
export type {
  ArtifactView,
  JobView,
  PipelineView,
  ProjectView,
  RunnerView,
} from './sandbox-views.js';
export { isPipelineFinished, type JobStatus, type PipelineStatus } from './model/records.js';
export { FAILURE_REASONS, type FailureReason } from './model/failure-reasons.js';
export { parseCiConfig, DEFAULT_STAGES, type ParseCiOptions } from './ci/parse-ci-config.js';
export type { CiConfig, CiJob } from './ci/ci-config.js';
export { stripAnsi } from './ansi.js';
export {
  createSandboxClient,
  type SandboxClient,
  type SandboxClientDeps,
} from './sandbox-client.js';
export { formatPipeline } from './format-pipeline.js';
