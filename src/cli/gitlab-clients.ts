/** Builds a GitLab client for one runner entry, with this manager's system id. */
import { createGitLabClient, type GitLabClient } from '../gitlab/index.js';
import type { CompiledRunner } from '../config/types.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';

export function clientForRunner(
  deps: { clock: Clock; logger: Logger },
  runner: Pick<CompiledRunner, 'url' | 'token' | 'executor'>,
  systemId: string,
  version: string,
): GitLabClient {
  return createGitLabClient(deps, {
    url: runner.url,
    token: runner.token,
    systemId,
    info: { version, executor: runner.executor, shell: 'bash' },
  });
}
