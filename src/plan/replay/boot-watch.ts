/**
 * A pass-through Provider that watches what the fleet engine is told by the cloud: when each
 * instance is first listed as running (its boot is over). The replay uses it to tell a cold
 * start (the job waited for a booting instance) from a wait for a busy slot, and to measure
 * boot hours; and which instances got an interruption notice or vanished, so the replay only
 * watches the acquisition signals of jobs that may be cut off (an AbortSignal per job is the
 * single largest cost of a million-job replay). It changes nothing in what the engine sees.
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
  /** Called with an instance that has a notice, is being deleted, or vanished. */
  onSuspect: ((instanceId: string) => void) | undefined;
  /** Instance id → the update() generation that last listed it. */
  readonly #listed = new Map<string, number>();
  #generation = 0;

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
    const gen = ++this.#generation;
    const suspect = this.onSuspect;
    for (const info of infos) {
      if (info.interruption?.kind === 'termination') this.noticed.add(info.id);
      if (suspect) {
        this.#listed.set(info.id, gen);
        if (info.interruption || info.state === 'deleting') suspect(info.id);
      }
      if (info.state !== 'running' || this.runningSince.has(info.id)) continue;
      this.runningSince.set(info.id, now);
      if (info.launchedAtMs !== undefined) this.bootMs += now - info.launchedAtMs;
    }
    if (suspect) {
      for (const [id, seen] of this.#listed) {
        if (seen === gen) continue;
        this.#listed.delete(id);
        suspect(id);
      }
    }
    return infos;
  }

  increase(n: number, signal?: AbortSignal): Promise<number> {
    return this.#inner.increase(n, signal);
  }

  decrease(ids: readonly string[], signal?: AbortSignal): Promise<string[]> {
    return this.#inner.decrease(ids, signal);
  }

  connectInfo(id: string, signal?: AbortSignal): Promise<ConnectInfo> {
    return this.#inner.connectInfo(id, signal);
  }

  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
}
