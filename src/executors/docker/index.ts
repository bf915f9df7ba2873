/** The docker-autoscaler executor: jobs in Docker Engine on the instance, through its tunnel. */
export {
  createDockerExecutor,
  type DockerExecutorDeps,
  type DockerExecutorOptions,
} from './docker-executor.js';
export {
  createTunnelDocker,
  dockerSocketPath,
  DEFAULT_DOCKER_SOCKET,
  type TunnelDockerOptions,
} from './docker-client.js';
export { DEFAULT_HELPER_IMAGE } from './image-plan.js';
export {
  removeDockerJobLeftovers,
  type RemovalReport,
  type ResourceRemovalDeps,
} from './job-resources.js';
export { LABEL_JOB, LABEL_RUN, LABEL_ROLE, LABEL_MANAGER } from './container-config.js';
export {
  removeStaleJobResources,
  type StaleJobsFilter,
  type StaleJobsReport,
} from './stale-job-resources.js';
export type { DockerPhase, PhaseListener } from './phases.js';
