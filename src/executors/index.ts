/** Executors: the port, the instance/shell executor and the shared stage script generator. */
export type {
  CacheUrls,
  ExecutionContext,
  Executor,
  FailureReason,
  JobOutcome,
  TraceSink,
} from './executor.js';
export {
  createShellExecutor,
  type ShellExecutorDeps,
  type ShellExecutorOptions,
} from './shell/shell-executor.js';
export * as script from './script/index.js';
export {
  createDockerExecutor,
  type DockerExecutorDeps,
  type DockerExecutorOptions,
} from './docker/index.js';
