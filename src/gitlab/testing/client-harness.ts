/**
 * A GitLab client wired to a VirtualClock and a tracked fetch, for tests against local doubles.
 */
import { VirtualClock } from '../../platform/clock.js';
import { MemoryLogger } from '../../platform/logger.js';
import { createGitLabClient, type GitLabClient } from '../http/gitlab-client.js';
import type { RunnerInfoOptions } from '../http/client-context.js';
import { drive, driveFor, trackedFetch, type TrackedFetch } from './virtual-drive.js';

export const RUNNER_TOKEN = 'glrt-t1_runnerTOKEN123456789';
export const SYSTEM_ID = 's_0123456789ab';

export interface ClientHarness {
  clock: VirtualClock;
  net: TrackedFetch;
  logger: MemoryLogger;
  client: GitLabClient;
  /** Awaits `work` while letting virtual time pass whenever nothing is in flight. */
  run<T>(work: Promise<T>): Promise<T>;
  /** Lets `ms` of virtual time pass. */
  pass(ms: number): Promise<void>;
}

export function clientHarness(
  url: string,
  options: { token?: string; info?: Partial<RunnerInfoOptions>; requestTimeoutMs?: number } = {},
): ClientHarness {
  const clock = new VirtualClock();
  const net = trackedFetch();
  const logger = new MemoryLogger();
  const client = createGitLabClient(
    { clock, logger, fetch: net.fetch, random: () => 0.5 },
    {
      url,
      token: options.token ?? RUNNER_TOKEN,
      systemId: SYSTEM_ID,
      info: {
        version: '0.1.0',
        executor: 'instance',
        platform: 'linux',
        architecture: 'amd64',
        ...options.info,
      },
      ...(options.requestTimeoutMs !== undefined
        ? { requestTimeoutMs: options.requestTimeoutMs }
        : {}),
    },
  );
  return {
    clock,
    net,
    logger,
    client,
    run: (work) => drive(clock, net, work),
    pass: (ms) => driveFor(clock, net, ms),
  };
}
