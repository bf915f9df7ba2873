import type { Clock } from '../../platform/clock.js';
import { SpotrunnerError } from '../../platform/errors.js';
import { SeededRandom } from '../../platform/random.js';
import type {
  ConnectInfo,
  InstanceInfo,
  InstanceState,
  Lifecycle,
  Provider,
  ProviderInfo,
} from '../provider.js';
import { SimLedger, type SimBillingRecord, type SimCostSummary } from './sim-ledger.js';
import {
  resolveSimOptions,
  type ResolvedSimOptions,
  type SimInstanceType,
  type SimProviderOptions,
} from './sim-options.js';

export interface SimCounters {
  launches: number;
  /** Removals asked for through decrease(). */
  terminations: number;
  interruptions: number;
  rebalanceNotices: number;
  /** increase() calls that launched fewer than asked for lack of capacity. */
  capacityErrors: number;
  /** Instances asked for but not launched for lack of capacity. */
  capacityShortfall: number;
}

export interface SimProvider extends Provider {
  /** One record per instance, live ones billed until `untilMs` (default now). */
  billing(untilMs?: number): SimBillingRecord[];
  costSummary(untilMs?: number): SimCostSummary;
  counters(): Readonly<SimCounters>;
  /** Instances listed right now (creating, running or deleting). */
  readonly size: number;
}

interface SimInstance {
  id: string;
  seq: number;
  type: SimInstanceType;
  lifecycle: Lifecycle;
  launchedAtMs: number;
  info: InstanceInfo;
  timers: (() => void)[];
}

/** A simulated cloud on an injected clock: deterministic for a seed. */
export function createSimProvider(
  deps: { clock: Clock },
  options: SimProviderOptions = {},
): SimProvider {
  return new SimCloud(deps.clock, resolveSimOptions(options));
}

class SimCloud implements SimProvider {
  readonly #clock: Clock;
  readonly #o: ResolvedSimOptions;
  readonly #startMs: number;
  readonly #live = new Map<string, SimInstance>();
  readonly #ledger: SimLedger;
  readonly #rngType: SeededRandom;
  readonly #rngBoot: SeededRandom;
  readonly #rngSpot: SeededRandom;
  readonly #rngCapacity: SeededRandom;
  readonly #totalWeight: number;
  readonly #counters: SimCounters = {
    launches: 0,
    terminations: 0,
    interruptions: 0,
    rebalanceNotices: 0,
    capacityErrors: 0,
    capacityShortfall: 0,
  };
  #seq = 0;
  #listing: InstanceInfo[] | undefined;
  #active = 0;
  #shutdown = false;

  constructor(clock: Clock, o: ResolvedSimOptions) {
    this.#clock = clock;
    this.#o = o;
    this.#startMs = clock.now();
    this.#ledger = new SimLedger(o.recordInstances);
    const root = new SeededRandom(o.seed);
    this.#rngType = root.fork(1);
    this.#rngBoot = root.fork(2);
    this.#rngSpot = root.fork(3);
    this.#rngCapacity = root.fork(4);
    this.#totalWeight = o.instanceTypes.reduce((n, t) => n + (t.weight ?? 1), 0);
  }

  get size(): number {
    return this.#live.size;
  }

  init(): Promise<ProviderInfo> {
    return Promise.resolve({
      id: this.#o.id,
      maxSize: this.#o.maxSize,
      version: 'sim',
      capabilities: ['interruption-notices', 'instance-types', 'prices'],
    });
  }

  update(): Promise<InstanceInfo[]> {
    this.#listing ??= Array.from(this.#live.values(), (i) => i.info);
    return Promise.resolve(this.#listing.slice());
  }

  increase(n: number): Promise<number> {
    if (this.#shutdown || n <= 0) return Promise.resolve(0);
    const room = Math.max(0, this.#o.maxSize - this.#active);
    const wanted = Math.min(Math.floor(n), room);
    const granted = this.#capacityFor(wanted);
    if (granted < wanted) {
      this.#counters.capacityErrors++;
      this.#counters.capacityShortfall += wanted - granted;
    }
    for (let i = 0; i < granted; i++) this.#launch();
    return Promise.resolve(granted);
  }

  #capacityFor(wanted: number): number {
    if (wanted === 0) return 0;
    const rel = this.#clock.now() - this.#startMs;
    for (const w of this.#o.capacityOutages) {
      if (rel >= w.fromMs && rel < w.toMs) return Math.min(wanted, w.available ?? 0);
    }
    const p = this.#o.capacityErrorProbability;
    if (p > 0 && this.#rngCapacity.next() < p) return this.#rngCapacity.int(0, wanted - 1);
    return wanted;
  }

  decrease(ids: readonly string[]): Promise<string[]> {
    const done: string[] = [];
    for (const id of ids) {
      const inst = this.#live.get(id);
      if (!inst) continue;
      done.push(id);
      if (inst.info.state === 'deleting') continue;
      this.#counters.terminations++;
      this.#terminate(inst, false);
    }
    return Promise.resolve(done);
  }

  connectInfo(id: string): Promise<ConnectInfo> {
    const inst = this.#live.get(id);
    if (!inst)
      return Promise.reject(new SpotrunnerError('not_found', `sim instance ${id} not found`));
    if (inst.info.state !== 'running') {
      return Promise.reject(
        new SpotrunnerError('provider', `sim instance ${id} is ${inst.info.state}`, {
          retryable: true,
        }),
      );
    }
    return Promise.resolve({
      id,
      os: 'linux',
      arch: inst.type.arch,
      protocol: 'ssh',
      internalAddr: `10.${(inst.seq >> 16) & 255}.${(inst.seq >> 8) & 255}.${inst.seq & 255}`,
      port: 22,
      username: 'sim',
    });
  }

  shutdown(): Promise<void> {
    this.#shutdown = true;
    return Promise.resolve();
  }

  billing(untilMs: number = this.#clock.now()): SimBillingRecord[] {
    return this.#ledger.records(untilMs);
  }

  costSummary(untilMs: number = this.#clock.now()): SimCostSummary {
    return this.#ledger.summary(untilMs);
  }

  counters(): Readonly<SimCounters> {
    return { ...this.#counters };
  }

  #pickType(): SimInstanceType {
    const types = this.#o.instanceTypes;
    if (types.length === 1) return types[0]!;
    let x = this.#rngType.next() * this.#totalWeight;
    for (const t of types) {
      x -= t.weight ?? 1;
      if (x < 0) return t;
    }
    return types[types.length - 1]!;
  }

  #launch(): void {
    const o = this.#o;
    const now = this.#clock.now();
    const seq = ++this.#seq;
    const type = this.#pickType();
    const lifecycle: Lifecycle = this.#rngType.next() < o.spotFraction ? 'spot' : 'on-demand';
    const id = `i-sim${seq.toString(16).padStart(8, '0')}`;
    const inst: SimInstance = {
      id,
      seq,
      type,
      lifecycle,
      launchedAtMs: now,
      info: makeInfo(id, 'creating', now, type.name, lifecycle, undefined),
      timers: [],
    };
    this.#live.set(id, inst);
    this.#active++;
    this.#listing = undefined;
    this.#counters.launches++;
    const price = lifecycle === 'spot' ? type.spotPricePerHourUsd : type.onDemandPricePerHourUsd;
    this.#ledger.open({
      id,
      instanceType: type.name,
      lifecycle,
      startMs: now,
      pricePerHourUsd: price,
    });
    const b = o.bootTime;
    const bootMs = Math.max(
      b.minMs,
      b.sigma > 0 ? this.#rngBoot.logNormal(b.medianMs, b.sigma) : b.medianMs,
    );
    inst.timers.push(
      this.#clock.schedule(Math.round(bootMs), () => this.#setState(inst, 'running')),
    );
    this.#planInterruption(inst);
  }

  #planInterruption(inst: SimInstance): void {
    const o = this.#o;
    const scripted = o.scriptedInterruptions.find((s) => s.launch === inst.seq);
    if (scripted) {
      const inMs = this.#startMs + scripted.atMs - this.#clock.now();
      this.#scheduleInterruption(inst, Math.max(0, inMs));
    } else if (inst.lifecycle === 'spot' && o.interruptionsPerInstanceHour > 0) {
      const mean = 3_600_000 / o.interruptionsPerInstanceHour;
      this.#scheduleInterruption(inst, Math.round(this.#rngSpot.exponential(mean)));
    }
  }

  #scheduleInterruption(inst: SimInstance, noticeInMs: number): void {
    const o = this.#o;
    const clock = this.#clock;
    if (o.rebalanceLeadMs > 0) {
      inst.timers.push(
        clock.schedule(Math.max(0, noticeInMs - o.rebalanceLeadMs), () => {
          this.#counters.rebalanceNotices++;
          this.#patch(inst, {
            state: inst.info.state,
            interruption: { kind: 'rebalance', deadlineMs: clock.now() },
          });
        }),
      );
    }
    inst.timers.push(
      clock.schedule(noticeInMs, () => {
        const deadlineMs = clock.now() + o.interruptionNoticeMs;
        this.#patch(inst, {
          state: inst.info.state,
          interruption: { kind: 'termination', deadlineMs },
        });
        inst.timers.push(
          clock.schedule(o.interruptionNoticeMs, () => {
            this.#counters.interruptions++;
            this.#terminate(inst, true);
          }),
        );
      }),
    );
  }

  #setState(inst: SimInstance, state: InstanceState): void {
    if (inst.info.state === 'deleting') return;
    this.#patch(inst, { state, interruption: inst.info.interruption });
  }

  /** Replaces the instance's info object (listings already handed out never change). */
  #patch(inst: SimInstance, change: Pick<InstanceInfo, 'state' | 'interruption'>): void {
    const i = inst.info;
    inst.info = makeInfo(
      i.id,
      change.state,
      inst.launchedAtMs,
      inst.type.name,
      inst.lifecycle,
      change.interruption,
    );
    this.#listing = undefined;
  }

  /** Ends billing now; the instance is listed as deleting for deleteDelayMs (interrupted: gone at once). */
  #terminate(inst: SimInstance, interrupted: boolean): void {
    for (const cancel of inst.timers) cancel();
    inst.timers.length = 0;
    this.#active--;
    this.#ledger.close(inst.id, this.#clock.now(), interrupted);
    if (interrupted || this.#o.deleteDelayMs === 0) {
      this.#live.delete(inst.id);
      this.#listing = undefined;
      return;
    }
    this.#patch(inst, { state: 'deleting', interruption: inst.info.interruption });
    this.#clock.schedule(this.#o.deleteDelayMs, () => {
      this.#live.delete(inst.id);
      this.#listing = undefined;
    });
  }
}

/** Every listing entry has the same shape (fast property access for the engine). */
function makeInfo(
  id: string,
  state: InstanceState,
  launchedAtMs: number,
  instanceType: string,
  lifecycle: Lifecycle,
  interruption: InstanceInfo['interruption'],
): InstanceInfo {
  return { id, state, launchedAtMs, instanceType, lifecycle, zone: 'sim-1a', interruption };
}
