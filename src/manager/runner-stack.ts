/**
 * A runner's stack (provider, fleet, connection pool, GitLab client, runner loop, parts) as the
 * manager sees it. app/build-runner.ts builds it; the manager is handed that builder, so it
 * never constructs adapters itself.
 */
import type { CompiledConfig, CompiledRunner } from '../config/types.js';
import type { ConnectionPool, HostKeyStore } from '../connect/index.js';
import type { FleetEngine, PreexistingPolicy } from '../fleet/index.js';
import type { GitLabClient } from '../gitlab/index.js';
import type { Clock } from '../platform/clock.js';
import type { Logger } from '../platform/logger.js';
import type { ApiCallCounts } from '../platform/api-call-counts.js';
import type { Provider } from '../providers/provider.js';
import type { AwsGroupHandle } from '../providers/aws/group-handle.js';
import type { HeldRemovalsStore } from '../providers/aws/group-removals.js';
import type { RunnerLoop } from '../runner/runner-loop.js';
import type { ConcurrencyGate } from '../runner/ports.js';
import type { JobJournal } from '../runner/journal.js';
import type { JobRecorder } from '../runner/job-recorder.js';
import type { ManagerPart } from './parts.js';

export interface RunnerStackDeps {
  clock: Clock;
  logger: Logger;
  gate: ConcurrencyGate;
  hostKeys: HostKeyStore;
  systemId: string;
  version: string;
  journal?: JobJournal;
  /** Where a job keeps its log so that a restart can send the rest (the state store's). */
  jobLogFile?: (runnerName: string, jobId: number) => string;
  recorder?: JobRecorder;
  /** Where a runner's aws groups keep removals held at MinSize (the state store's). */
  heldRemovals?: (runnerName: string, groupName: string) => HeldRemovalsStore;
  awsEndpoint?: string;
  /** Where the stack's AWS clients count their calls (the manager's /metrics reads it). */
  apiCalls?: ApiCallCounts;
  localEnv?: Readonly<Record<string, string>>;
  /** Instances found at start: remove (default, as gitlab-runner), adopt, or per instance. */
  preexistingInstances?: PreexistingPolicy;
}

export interface RunnerStack {
  runner: CompiledRunner;
  provider: Provider;
  /** The runner's aws groups (primary and fallback), for verify, orphans and `fleet ls`. */
  awsGroups: readonly AwsGroupHandle[];
  fleet: FleetEngine;
  pool: ConnectionPool;
  api: GitLabClient;
  loop: RunnerLoop;
  /** Started after the loop and stopped before dispose() by the manager (the IMDS poller). */
  parts: readonly ManagerPart[];
  dispose(): Promise<void>;
}

export type BuildRunnerStack = (
  deps: RunnerStackDeps,
  config: CompiledConfig,
  runner: CompiledRunner,
) => RunnerStack;
