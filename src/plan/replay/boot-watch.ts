/**
 * A pass-through Provider that watches what the fleet engine is told by the cloud: when each
 * instance is first listed as running (its boot is over). The replay uses it to tell a cold
 * start (the job waited for a booting instance) from a wait for a busy slot, and to measure
 * boot hours; and which instances got a spot termination notice. It changes nothing in what
 * the engine sees.
 */
import type {
  InstanceInfo,
  Provider,
  ProviderInfo,
  ConnectInfo,
} from '../../providers/provider.js';
import type { Clock } from '../../platform/clock.js';

export class BootWatch implements Provider {
  readonly #inner: Provider;
  readonly #clock: Clock;
  /** Instance id → when the engine first saw it running. */
  readonly runningSince = new Map<string, number>();
  bootMs = 0;
  /** Instances that received a spot termination notice. */
  readonly noticed = new Set<string>();
  /**
   * Instances launched and not yet terminated (billed): set from each listing (without the ones
   * being deleted), adjusted by increase() and decrease() between listings.
   */
  billable = 0;

  constructor(inner: Provider, clock: Clock) {
    this.#inner = inner;
    this.#clock = clock;
  }

  init(signal?: AbortSignal): Promise<ProviderInfo> {
    return this.#inner.init(signal);
  }

  async update(signal?: AbortSignal): Promise<InstanceInfo[]> {
    const infos = await this.#inner.update(signal);
    const now = this.#clock.now();
    let billable = 0;
    for (const info of infos) {
      if (info.state !== 'deleting') billable++;
      if (info.interruption?.kind === 'termination') this.noticed.add(info.id);
      if (info.state !== 'running' || this.runningSince.has(info.id)) continue;
      this.runningSince.set(info.id, now);
      if (info.launchedAtMs !== undefined) this.bootMs += now - info.launchedAtMs;
    }
    this.billable = billable;
    return infos;
  }

  async increase(n: number, signal?: AbortSignal): Promise<number> {
    const granted = await this.#inner.increase(n, signal);
    this.billable += granted;
    return granted;
  }

  async decrease(ids: readonly string[], signal?: AbortSignal): Promise<string[]> {
    const done = await this.#inner.decrease(ids, signal);
    this.billable = Math.max(0, this.billable - done.length);
    return done;
  }

  connectInfo(id: string, signal?: AbortSignal): Promise<ConnectInfo> {
    return this.#inner.connectInfo(id, signal);
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
}
