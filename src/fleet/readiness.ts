import { describeError } from '../platform/errors.js';
import type { FleetCore } from './fleet-core.js';
import type { FleetInstance } from './fleet-instance.js';

/**
 * Ready-up (taskscaler's UpFunc): once the provider reports an instance running, fetch its
 * connect info and run the app's readyUp (connect + instance_ready_command). Without a readyUp
 * the instance is ready at once. A failure removes the instance and backs scale-up off
 * exponentially (taskscaler#26).
 */
export class Readiness {
  readonly #core: FleetCore;
  #consecutiveFailures = 0;
  #backoffUntilMs = 0;
  #nextStallCheckMs = 0;

  constructor(core: FleetCore) {
    this.#core = core;
  }

  /** No scale-up before this time (0 = none). */
  get backoffUntilMs(): number {
    return this.#backoffUntilMs;
  }

  /**
   * Removes instances that were listed `instanceStartTimeoutMs` ago and are still not ready
   * (stuck creating at the provider, or a ready-up that never ends), as failed starts.
   */
  expireStalled(): void {
    const core = this.#core;
    if (core.book.booting === 0) return;
    const now = core.clock.now();
    // No instance can be overdue before the earliest deadline seen by the last scan (instances
    // listed since have later deadlines), so a long replay scans rarely.
    if (now < this.#nextStallCheckMs) return;
    const limit = core.opts.instanceStartTimeoutMs;
    const stalled: FleetInstance[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const inst of core.book.instances.values()) {
      if (inst.status !== 'creating' && inst.status !== 'readying') continue;
      const deadline = inst.firstSeenAtMs + limit;
      if (deadline <= now) stalled.push(inst);
      else next = Math.min(next, deadline);
    }
    this.#nextStallCheckMs = Number.isFinite(next) ? next : 0;
    for (const inst of stalled) {
      const where =
        inst.status === 'creating' ? `still ${inst.providerState} at the provider` : 'not ready';
      core.counters.startTimeouts++;
      this.#failed(
        inst,
        new Error(
          `${where} ${formatMinutes(limit)} after it was first listed (instance_start_timeout)`,
        ),
      );
    }
  }

  begin(inst: FleetInstance): void {
    if (inst.status !== 'creating') return;
    const readyUp = this.#core.readyUp;
    if (!readyUp) {
      this.#ready(inst);
      return;
    }
    const ac = new AbortController();
    this.#core.book.beginReadying(inst, ac);
    void this.#run(inst, ac.signal);
  }

  async #run(inst: FleetInstance, signal: AbortSignal): Promise<void> {
    const core = this.#core;
    try {
      const connectInfo = await core.connectInfo(inst.id, signal);
      await core.readyUp!({ id: inst.id, connectInfo }, signal);
    } catch (err: unknown) {
      core.book.clearReadyAbort(inst);
      if (inst.status !== 'readying') {
        core.logger.debug({ instance: inst.id, error: describeError(err) }, 'ready-up abandoned');
        return;
      }
      this.#failed(inst, err);
      return;
    }
    core.book.clearReadyAbort(inst);
    if (inst.status !== 'readying') return;
    this.#consecutiveFailures = 0;
    this.#backoffUntilMs = 0;
    this.#ready(inst);
  }

  #ready(inst: FleetInstance): void {
    const core = this.#core;
    const now = core.clock.now();
    core.book.markReady(inst, now);
    core.logger.info(
      { instance: inst.id, startupMs: now - (inst.launchedAtMs ?? inst.firstSeenAtMs) },
      'instance ready',
    );
    core.servePending();
    core.requestEvaluate();
  }

  #failed(inst: FleetInstance, err: unknown): void {
    const core = this.#core;
    core.counters.readyUpFailures++;
    this.#consecutiveFailures++;
    const o = core.opts;
    const delay = Math.min(
      o.readyUpBackoffMaxMs,
      o.readyUpBackoffBaseMs * 2 ** (this.#consecutiveFailures - 1),
    );
    this.#backoffUntilMs = core.clock.now() + delay;
    core.logger.warn(
      {
        instance: inst.id,
        error: describeError(err),
        consecutiveFailures: this.#consecutiveFailures,
        backoffMs: delay,
      },
      'instance ready-up failed',
    );
    core.markForRemoval(inst, 'instance ready-up failed');
    core.requestEvaluate();
  }
}

function formatMinutes(ms: number): string {
  const minutes = ms / 60_000;
  return Number.isInteger(minutes) ? `${minutes}m` : `${Math.round(ms / 1000)}s`;
}
