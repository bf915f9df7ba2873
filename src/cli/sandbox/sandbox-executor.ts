/**
 * Which executor `spotrunner sandbox` uses, and why (printed at start). `instance` unless asked:
 * `--executor docker-autoscaler` requires a Docker engine with the helper image (a user error
 * otherwise); `--executor auto` takes Docker when both are there and says what it found.
 */
import { UserError } from '../../platform/errors.js';
import { DOCKER_SOCKET, SANDBOX_HELPER_IMAGE, type DockerStatus } from './detect-docker.js';

export const SANDBOX_EXECUTOR_FLAGS = ['instance', 'docker-autoscaler', 'auto'] as const;
export type SandboxExecutorFlag = (typeof SANDBOX_EXECUTOR_FLAGS)[number];

export interface SandboxExecutorChoice {
  executor: 'instance' | 'docker-autoscaler';
  /** Why, in words for the start output. */
  reason: string;
}

const BUILD_HINT = '`bash scripts/build-test-images.sh` builds it';

export async function chooseSandboxExecutor(
  flag: SandboxExecutorFlag,
  probe: () => Promise<DockerStatus>,
): Promise<SandboxExecutorChoice> {
  switch (flag) {
    case 'instance':
      return {
        executor: 'instance',
        reason: 'the default; --executor docker-autoscaler runs jobs in containers',
      };
    case 'docker-autoscaler': {
      const docker = await probe();
      if (!docker.engine)
        throw new UserError(
          `--executor docker-autoscaler needs a Docker engine, and none answers on ${DOCKER_SOCKET}`,
        );
      if (!docker.helperImage)
        throw new UserError(
          `--executor docker-autoscaler needs the helper image ${SANDBOX_HELPER_IMAGE} in the Docker engine (${BUILD_HINT})`,
        );
      return {
        executor: 'docker-autoscaler',
        reason: 'asked for with --executor docker-autoscaler',
      };
    }
    case 'auto': {
      const docker = await probe();
      if (docker.engine && docker.helperImage)
        return {
          executor: 'docker-autoscaler',
          reason: `--executor auto: a Docker engine answers on ${DOCKER_SOCKET} and has ${SANDBOX_HELPER_IMAGE}`,
        };
      return {
        executor: 'instance',
        reason: docker.engine
          ? `--executor auto: the Docker engine has no ${SANDBOX_HELPER_IMAGE} image (${BUILD_HINT})`
          : `--executor auto: no Docker engine answers on ${DOCKER_SOCKET}`,
      };
    }
  }
}
