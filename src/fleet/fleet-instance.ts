import type {
  ConnectInfo,
  InstanceState,
  InterruptionNotice,
  Lifecycle,
} from '../providers/provider.js';
import type { FleetInstanceStatus } from './fleet.js';
import type { FleetAcquisition } from './acquisition.js';
import type { InstancePhase } from './instance-phase.js';

/**
 * The engine's record of one instance, read-only: every change goes through FleetBook, which
 * keeps its totals, free-slot index and idle list in step and refuses changes the lifecycle
 * (INSTANCE_TRANSITIONS) does not allow.
 */
export interface FleetInstance {
  readonly id: string;
  /** Creation order (oldest first for acquisition and scale-down). */
  readonly seq: number;
  readonly capacity: number;
  readonly phase: InstancePhase;
  readonly status: FleetInstanceStatus;
  /** Vanished, or reported deleting without our request. */
  readonly lost: boolean;
  /** Dropped from the table (no longer listed by the provider). */
  readonly detached: boolean;
  readonly providerState: InstanceState;
  readonly instanceType?: string;
  readonly lifecycle?: Lifecycle;
  readonly launchedAtMs?: number;
  readonly firstSeenAtMs: number;
  /** When the engine first saw the provider report it running (its ready-up began). */
  readonly runningAtMs?: number;
  readonly readyAtMs?: number;
  /** Last job end, or readiness if never used. */
  readonly idleSinceMs: number;
  readonly useCount: number;
  readonly inUse: number;
  readonly slots: readonly (FleetAcquisition | undefined)[];
  /** Consecutive unhealthy releases. */
  readonly failures: number;
  readonly interruption?: InterruptionNotice;
  readonly removalReason?: string;
  /** When the last decrease() for it was issued (undefined = not yet). */
  readonly deleteIssuedAtMs?: number;
  /** When a removal should be (re)issued. */
  readonly deleteDueAtMs?: number;
  /** Aborts the ready-up in flight. */
  readonly readyAbort?: AbortController;
  /** Update generation in which the provider last listed it. */
  readonly seenGen: number;
  readonly connectInfo?: ConnectInfo;
  /** Counts toward InstanceCount: not lost and not reported deleting (!52, !127). */
  readonly counted: boolean;
  jobIds(): number[];
}
