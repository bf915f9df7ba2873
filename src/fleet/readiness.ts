import { SpotrunnerError, describeError } from '../platform/errors.js';
import { retry } from '../platform/retry.js';
import type { FleetCore } from './fleet-core.js';
import type { FleetInstance } from './fleet-instance.js';

/**
 * Ready-up (taskscaler's UpFunc): once the provider reports an instance running, fetch its
 * connect info and run the app's readyUp (connect + instance_ready_command). Without a readyUp
 * the instance is ready at once.
 *
 * A cloud lists an instance as running well before its sshd answers (10–40 s on EC2), so a
 * retryable failure (`SpotrunnerError.retryable`: refused, reset or timed-out connections, no
 * address yet, authentication refused while the instance still installs its keys) is tried
 * again with jittered exponential backoff and fresh connect info, until the instance's start
 * deadline (`instanceStartTimeoutMs` after it was first listed). Any other failure (a host key
 * mismatch, instance_ready_command exiting non-zero, an unknown error) and the deadline remove
 * the instance and back scale-up off exponentially (taskscaler#26).
 */
export class Readiness {
  readonly #core: FleetCore;
  #consecutiveFailures = 0;
  #backoffUntilMs = 0;
  #nextStallCheckMs = 0;
  /** The last retryable ready-up error of each instance still being retried. */
  readonly #lastErrors = new Map<string, string>();

  constructor(core: FleetCore) {
    this.#core = core;
  }

  /** No scale-up before this time (0 = none). */
  get backoffUntilMs(): number {
    return this.#backoffUntilMs;
  }

  /** When expireStalled() may next have something to do (+Infinity: nothing booting). */
  get nextStallCheckAtMs(): number {
    const core = this.#core;
    if (core.book.booting === 0 || !Number.isFinite(core.opts.instanceStartTimeoutMs)) {
      return Number.POSITIVE_INFINITY;
    }
    return this.#nextStallCheckMs;
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
        inst.status === 'creating' ? `still ${inst.providerState} at the provider` : undefined;
      this.#timedOut(inst, where, this.#lastErrors.get(inst.id));
    }
  }

  begin(inst: FleetInstance): void {
    if (inst.status !== 'creating') return;
    this.#core.book.noteRunning(inst, this.#core.clock.now());
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
    const deadlineMs = inst.firstSeenAtMs + core.opts.instanceStartTimeoutMs;
    const retryable = (err: unknown): boolean =>
      err instanceof SpotrunnerError &&
      err.retryable &&
      err.code !== 'instance_lost' &&
      inst.status === 'readying' &&
      !signal.aborted;
    try {
      await retry(() => this.#attempt(inst, signal), {
        clock: core.clock,
        attempts: Number.POSITIVE_INFINITY,
        baseDelayMs: core.opts.readyUpRetryBaseMs,
        maxDelayMs: core.opts.readyUpRetryMaxMs,
        retryable: (err) => retryable(err) && core.clock.now() < deadlineMs,
        signal,
        onRetry: (err, attempt, delayMs) => this.#retrying(inst, err, attempt, delayMs),
      });
    } catch (err: unknown) {
      core.book.clearReadyAbort(inst);
      this.#lastErrors.delete(inst.id);
      if (inst.status !== 'readying') {
        core.logger.debug({ instance: inst.id, err: describeError(err) }, 'ready-up abandoned');
        return;
      }
      if (retryable(err)) this.#timedOut(inst, undefined, describeError(err));
      else this.#failed(inst, err);
      return;
    }
    this.#lastErrors.delete(inst.id);
    core.book.clearReadyAbort(inst);
    if (inst.status !== 'readying') return;
    this.#consecutiveFailures = 0;
    this.#backoffUntilMs = 0;
    this.#ready(inst);
  }

  async #attempt(inst: FleetInstance, signal: AbortSignal): Promise<void> {
    const core = this.#core;
    const connectInfo = await core.connectInfo(inst.id, signal);
    await core.readyUp!({ id: inst.id, connectInfo }, signal);
  }

  #retrying(inst: FleetInstance, err: unknown, attempt: number, delayMs: number): void {
    const error = describeError(err);
    this.#lastErrors.set(inst.id, error);
    // Fresh connect info next time: an address may have appeared, credentials may have expired.
    this.#core.book.forgetConnectInfo(inst);
    this.#core.logger.info(
      { instance: inst.id, err: error, attempt, retryInMs: delayMs },
      'instance not reachable yet; retrying',
    );
  }

  /** The instance was not ready by its start deadline (instance_start_timeout). */
  #timedOut(inst: FleetInstance, where: string | undefined, lastError: string | undefined): void {
    const limit = formatMinutes(this.#core.opts.instanceStartTimeoutMs);
    const last = lastError ? `; last error: ${lastError}` : '';
    this.#core.counters.startTimeouts++;
    this.#failed(
      inst,
      new Error(
        `${where ?? 'not ready'} ${limit} after it was first listed (instance_start_timeout)${last}`,
      ),
    );
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
        err: describeError(err),
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
