import type {
  ConnectInfo,
  InstanceState,
  InterruptionNotice,
  Lifecycle,
} from '../providers/provider.js';
import type { FleetInstanceStatus } from './fleet.js';
import type { FleetAcquisition } from './acquisition.js';
import type { FleetInstance } from './fleet-instance.js';
import type { InstancePhase } from './instance-phase.js';

/**
 * The mutable record behind a FleetInstance. Only FleetBook and its two indices import this
 * (an ESLint rule keeps it so); everything else sees the read-only FleetInstance.
 */
export class InstanceRecord implements FleetInstance {
  readonly id: string;
  readonly seq: number;
  readonly capacity: number;
  phase: InstancePhase = 'creating';
  status: FleetInstanceStatus = 'creating';
  providerState: InstanceState;
  instanceType?: string;
  lifecycle?: Lifecycle;
  launchedAtMs?: number;
  firstSeenAtMs: number;
  runningAtMs?: number;
  readyAtMs?: number;
  idleSinceMs = 0;
  useCount = 0;
  inUse = 0;
  readonly slots: (FleetAcquisition | undefined)[];
  failures = 0;
  interruption?: InterruptionNotice;
  removalReason?: string;
  deleteIssuedAtMs?: number;
  deleteDueAtMs?: number;
  readyAbort?: AbortController;
  seenGen = 0;
  connectInfo?: ConnectInfo;

  // Contributions to FleetBook totals, and index positions.
  cCounted = false;
  cBooting = false;
  cAcquired = 0;
  cUnavailable = 0;
  cFree = 0;
  heapIndex = -1;
  inIdle = false;
  idlePrev: InstanceRecord | undefined;
  idleNext: InstanceRecord | undefined;

  constructor(id: string, seq: number, capacity: number, state: InstanceState, nowMs: number) {
    this.id = id;
    this.seq = seq;
    this.capacity = capacity;
    this.providerState = state;
    this.firstSeenAtMs = nowMs;
    this.slots = new Array<FleetAcquisition | undefined>(capacity).fill(undefined);
  }

  get lost(): boolean {
    return this.phase === 'lost' || this.phase === 'gone';
  }

  get detached(): boolean {
    return this.phase === 'gone';
  }

  get counted(): boolean {
    return !this.lost && this.providerState !== 'deleting' && this.providerState !== 'deleted';
  }

  jobIds(): number[] {
    const ids: number[] = [];
    for (const a of this.slots) if (a?.jobId !== undefined) ids.push(a.jobId);
    return ids;
  }
}
