import type {
  ConnectInfo,
  InstanceState,
  InterruptionNotice,
  Lifecycle,
} from '../providers/provider.js';
import type { FleetInstanceStatus } from './fleet.js';
import type { FleetAcquisition } from './acquisition.js';

/** The engine's record of one instance. Mutated only by the engine and FleetBook. */
export class FleetInstance {
  readonly id: string;
  /** Creation order (oldest first for acquisition and scale-down). */
  readonly seq: number;
  readonly capacity: number;
  status: FleetInstanceStatus = 'creating';
  providerState: InstanceState;
  instanceType?: string;
  lifecycle?: Lifecycle;
  launchedAtMs?: number;
  firstSeenAtMs: number;
  readyAtMs?: number;
  /** Last job end, or readiness if never used. */
  idleSinceMs = 0;
  useCount = 0;
  inUse = 0;
  readonly slots: (FleetAcquisition | undefined)[];
  /** Consecutive unhealthy releases. */
  failures = 0;
  interruption?: InterruptionNotice;
  removalReason?: string;
  /** Vanished, or reported deleting without our request. */
  lost = false;
  /** Dropped from the table (no longer listed by the provider). */
  detached = false;
  /** When the last decrease() for it was issued (undefined = not yet). */
  deleteIssuedAtMs?: number;
  /** When a removal should be (re)issued. */
  deleteDueAtMs?: number;
  readyAbort?: AbortController;
  /** Update generation in which the provider last listed it. */
  seenGen = 0;
  connectInfo?: ConnectInfo;

  // Contributions to FleetBook totals, and index positions. Owned by FleetBook.
  cCounted = false;
  cBooting = false;
  cAcquired = 0;
  cUnavailable = 0;
  cFree = 0;
  heapIndex = -1;
  inIdle = false;
  idlePrev: FleetInstance | undefined;
  idleNext: FleetInstance | undefined;

  constructor(id: string, seq: number, capacity: number, state: InstanceState, nowMs: number) {
    this.id = id;
    this.seq = seq;
    this.capacity = capacity;
    this.providerState = state;
    this.firstSeenAtMs = nowMs;
    this.slots = new Array<FleetAcquisition | undefined>(capacity).fill(undefined);
  }

  /** Counts toward InstanceCount: not lost and not reported deleting (!52, !127). */
  get counted(): boolean {
    return !this.lost && this.providerState !== 'deleting' && this.providerState !== 'deleted';
  }

  jobIds(): number[] {
    const ids: number[] = [];
    for (const a of this.slots) if (a?.jobId !== undefined) ids.push(a.jobId);
    return ids;
  }
}
