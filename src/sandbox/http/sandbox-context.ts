/** Everything the HTTP routes share. */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { GitEnv } from '../git/run-git.js';
import type { ArtifactStore } from '../model/artifact-store.js';
import type { RunnerQueue } from '../model/runner-queue.js';
import type { SandboxEngine } from '../model/sandbox-engine.js';
import type { SandboxStore } from '../model/sandbox-store.js';
import type { ProjectService } from '../project-service.js';
import type { SandboxSettings } from '../sandbox-options.js';
import type { FaultState } from './fault-switches.js';

export interface SandboxContext {
  clock: Clock;
  logger: Logger;
  store: SandboxStore;
  engine: SandboxEngine;
  queue: RunnerQueue;
  settings: SandboxSettings;
  faults: FaultState;
  artifacts: ArtifactStore;
  projects: ProjectService;
  git: GitEnv;
  /** URL runners use (external URL or the listening URL). */
  serverUrl(): string;
  /** Aborted when the server stops (releases long polls). */
  stopSignal: AbortSignal;
}
