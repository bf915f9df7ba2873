import { describeError, SpotrunnerError } from '../platform/errors.js';
import type { FleetCore } from './fleet-core.js';
import type { Scaler } from './scaler.js';
import { deleteAllInstances } from './shutdown-deletion.js';
import type { UpdateLoop } from './update-loop.js';

/**
 * Orderly shutdown: refuse new work, let running jobs finish within the grace period, stop the
 * loop, optionally delete every instance (delete_instances_on_shutdown), shut the provider down.
 */
export class FleetStopper {
  readonly #core: FleetCore;
  readonly #loop: UpdateLoop;
  readonly #scaler: Scaler;
  readonly #controller = new AbortController();
  #onDrained: (() => void) | undefined;
  #stopping: Promise<void> | undefined;

  constructor(core: FleetCore, loop: UpdateLoop, scaler: Scaler) {
    this.#core = core;
    this.#loop = loop;
    this.#scaler = scaler;
  }

  /** Aborted when the fleet stops; passed to provider calls. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Called after every release. */
  released(): void {
    if (this.#onDrained && this.#core.acquisitions.size === 0) this.#onDrained();
  }

  stop(graceMs: number): Promise<void> {
    this.#stopping ??= this.#stop(graceMs);
    return this.#stopping;
  }

  async #stop(graceMs: number): Promise<void> {
    const core = this.#core;
    core.accepting = false;
    core.logger.info({ graceMs, acquired: core.acquisitions.size }, 'fleet stopping');
    const canceled = new SpotrunnerError('canceled', 'fleet is stopping');
    for (const w of core.waiters) {
      w.cleanup();
      w.reject(canceled);
    }
    core.waiters.clear();
    core.reservations.clear();
    await this.#waitForReleases(graceMs);
    this.#loop.stop();
    this.#scaler.stop();
    this.#controller.abort(new SpotrunnerError('canceled', 'fleet stopped'));
    if (core.opts.deleteInstancesOnShutdown) {
      const reason = new SpotrunnerError('canceled', 'fleet stopped; instances are being removed');
      for (const acq of core.acquisitions.values()) acq.abort(reason);
      await deleteAllInstances(core, {
        intervalMs: core.opts.shutdownDeletionIntervalMs,
        retries: core.opts.shutdownDeletionRetries,
      });
    }
    try {
      await core.provider.shutdown();
    } catch (err: unknown) {
      core.logger.error({ err: describeError(err) }, 'provider shutdown failed');
    }
    core.logger.info({ acquired: core.acquisitions.size }, 'fleet stopped');
  }

  async #waitForReleases(graceMs: number): Promise<void> {
    const core = this.#core;
    if (core.acquisitions.size === 0 || graceMs <= 0) return;
    const timer = new AbortController();
    const drained = new Promise<void>((resolve) => {
      this.#onDrained = resolve;
    });
    const elapsed = core.clock.sleep(graceMs, timer.signal).catch(() => undefined);
    await Promise.race([drained, elapsed]);
    timer.abort();
    this.#onDrained = undefined;
    if (core.acquisitions.size > 0) {
      core.logger.warn(
        { acquired: core.acquisitions.size },
        'grace period over with jobs still running',
      );
    }
  }
}
