/**
 * The Fleet port, as the runner loop sees it: reserve capacity before asking GitLab for a job,
 * acquire a slot on a ready instance once a job arrived, release it when the job ends.
 * Implemented by `createFleet()` (taskscaler semantics) over a Provider and a Clock.
 */
import type {
  ConnectInfo,
  InstanceState,
  Lifecycle,
  InterruptionNotice,
} from '../providers/provider.js';
import { SpotrunnerError } from '../platform/errors.js';

/**
 * Reason of an Acquisition.signal aborted by a spot termination notice: the instance will be
 * taken back at `deadlineMs`. The runner reruns the job elsewhere, or fails it.
 */
export class InstanceInterruptedError extends SpotrunnerError {
  readonly instanceId: string;
  /** When the cloud will take the instance. */
  readonly deadlineMs: number;

  constructor(instanceId: string, deadlineMs: number) {
    super(
      'instance_lost',
      `spot interruption notice for instance ${instanceId}: it will be terminated at ${new Date(deadlineMs).toISOString()}`,
      { retryable: true },
    );
    this.name = 'InstanceInterruptedError';
    this.instanceId = instanceId;
    this.deadlineMs = deadlineMs;
  }
}

/** Reason of an Acquisition.signal aborted because the instance vanished. */
export class InstanceLostError extends SpotrunnerError {
  readonly instanceId: string;

  constructor(instanceId: string, detail = 'instance unexpectedly removed') {
    super('instance_lost', `${detail}: ${instanceId}`, { retryable: true });
    this.name = 'InstanceLostError';
    this.instanceId = instanceId;
  }
}

export type ReserveResult = { ok: true } | { ok: false; reason: string };

export interface AcquireOptions {
  signal?: AbortSignal;
  /** Instances this acquisition must not land on (e.g. the one a rescued job just lost). */
  avoid?: readonly string[];
  /**
   * Only instances this accepts (e.g. those of the fallback group for a rescued job). The engine
   * does not scale up for such a filter: whoever sets it makes sure a matching instance comes.
   */
  accept?: (instanceId: string) => boolean;
  /** For logs and status. */
  jobId?: number;
}

export interface Acquisition {
  readonly key: string;
  readonly instanceId: string;
  /** 0-based slot index on the instance. */
  readonly slot: number;
  /** Aborted when the instance is lost or receives a termination notice; reason says which. */
  readonly signal: AbortSignal;
  connectInfo(signal?: AbortSignal): Promise<ConnectInfo>;
  /**
   * Calls `listener` once with the same reason when `signal` aborts, without creating the
   * AbortSignal (which costs microseconds per job in a million-job replay). Returns an
   * unsubscribe. Optional so that test doubles need not implement it.
   */
  onAbort?(listener: (reason: Error) => void): () => void;
}

export interface ReleaseOptions {
  /** false when the job could not talk to the instance; counts toward failure_threshold. */
  healthy?: boolean;
}

export type FleetInstanceStatus = 'creating' | 'readying' | 'ready' | 'draining' | 'removing';

export interface FleetInstanceView {
  id: string;
  status: FleetInstanceStatus;
  providerState: InstanceState;
  instanceType?: string;
  lifecycle?: Lifecycle;
  launchedAtMs?: number;
  /** When the engine first saw it running at the provider (its ready-up began). */
  runningAtMs?: number;
  readyAtMs?: number;
  idleSinceMs?: number;
  useCount: number;
  slotsInUse: number;
  capacity: number;
  interruption?: InterruptionNotice;
  removalReason?: string;
  jobIds: readonly number[];
}

export interface FleetStatus {
  providerId: string;
  instances: readonly FleetInstanceView[];
  reserved: number;
  acquired: number;
  pending: number;
  idleTarget: number;
  policyIndex: number;
  /** Instances asked of the provider and not listed yet, and when the oldest was asked for. */
  requested?: { count: number; sinceMs: number };
  lastError?: string;
  /**
   * Running totals since start: instancesRequested, instancesGranted, removalsIssued,
   * instancesLost, readyUpFailures, startTimeouts, requestsWithdrawn, acquireTimeouts.
   */
  counters?: Readonly<Record<string, number>>;
}

export interface Fleet {
  reserve(key: string): ReserveResult;
  unreserve(key: string): void;
  acquire(key: string, options?: AcquireOptions): Promise<Acquisition>;
  release(key: string, options?: ReleaseOptions): void;
  /** Stop handing out slots on this instance and remove it once its jobs are done. */
  drain(instanceId: string, reason: string): boolean;
  status(): FleetStatus;
}
