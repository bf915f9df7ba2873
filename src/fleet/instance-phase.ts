import { SpotrunnerError } from '../platform/errors.js';
import type { FleetInstanceStatus } from './fleet.js';

/**
 * Where an instance is in its life, as the engine sees it. `status` (what the status API shows)
 * is the phase with `lost` and `gone` folded into `removing`.
 */
export const INSTANCE_PHASES = [
  'creating',
  'readying',
  'ready',
  'draining',
  'removing',
  'lost',
  'gone',
] as const;

export type InstancePhase = (typeof INSTANCE_PHASES)[number];

/**
 * Every phase change the engine makes, and nothing else (FleetBook refuses the rest):
 * - creating → readying: the provider reports it running and a ready-up (connect, instance_ready_command) starts;
 * - creating → ready: running, and there is no ready-up;
 * - readying → ready: ready-up succeeded;
 * - creating | readying → removing: drained before ready, pre-existing instance not adopted,
 *   instance_start_timeout, ready-up failed, provider reported `timeout`;
 * - ready → draining: drained with jobs on it, max_use_count reached, failure_threshold reached,
 *   spot termination notice or rebalance recommendation;
 * - ready | draining → removing: drained and empty, idle_time expired, provider reported `timeout`;
 * - creating | readying | ready | draining → lost: the provider reports it deleting/deleted or
 *   no longer lists it without our request;
 * - removing | lost → gone: the provider no longer lists it (or reports it deleted).
 */
export const INSTANCE_TRANSITIONS: Readonly<Record<InstancePhase, readonly InstancePhase[]>> = {
  creating: ['readying', 'ready', 'removing', 'lost'],
  readying: ['ready', 'removing', 'lost'],
  ready: ['draining', 'removing', 'lost'],
  draining: ['removing', 'lost'],
  removing: ['gone'],
  lost: ['gone'],
  gone: [],
};

export function canTransition(from: InstancePhase, to: InstancePhase): boolean {
  return INSTANCE_TRANSITIONS[from].includes(to);
}

/** The operator-facing status of a phase. */
export function statusOfPhase(phase: InstancePhase): FleetInstanceStatus {
  return phase === 'lost' || phase === 'gone' ? 'removing' : phase;
}

/** A phase change (or slot change) the lifecycle does not allow: a bug in the engine. */
export class InstanceTransitionError extends SpotrunnerError {
  readonly instanceId: string;
  readonly from: InstancePhase;
  readonly to: InstancePhase | 'bind' | 'unbind';

  constructor(instanceId: string, from: InstancePhase, to: InstancePhase | 'bind' | 'unbind') {
    super('state', `instance ${instanceId}: ${from} → ${to} is not an allowed change`);
    this.name = 'InstanceTransitionError';
    this.instanceId = instanceId;
    this.from = from;
    this.to = to;
  }
}
