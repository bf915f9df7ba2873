import { SpotrunnerError } from '../../platform/errors.js';
import type {
  ConnectInfo,
  InstanceInfo,
  InstanceState,
  InterruptionNotice,
  Provider,
  ProviderInfo,
} from '../../providers/provider.js';

/** A provider the test drives by hand: instances change state only when told. */
export class ScriptedProvider implements Provider {
  readonly instances = new Map<string, InstanceInfo>();
  readonly increases: number[] = [];
  readonly decreases: string[][] = [];
  maxSize = 100;
  updates = 0;
  shutdowns = 0;
  /** Number of upcoming update() calls that fail. */
  failUpdates = 0;
  failIncrease = false;
  /** decrease() answers without removing anything (and reports nothing issued). */
  ignoreDecrease = false;
  /** decrease() reports success but the instance stays listed as it was. */
  stickyDecrease = false;
  /** New instances start running at once. */
  autoRun = false;
  /** increase() grants but launches nothing (a group out of capacity); `held` counts them. */
  holdBack = false;
  held = 0;
  /** Set to give the provider the optional cancelRequested(). */
  cancelRequested?: (n: number) => Promise<number>;
  #seq = 0;

  constructor(private readonly nowMs: () => number = () => 0) {}

  init(): Promise<ProviderInfo> {
    return Promise.resolve({ id: 'scripted', maxSize: this.maxSize });
  }

  update(): Promise<InstanceInfo[]> {
    this.updates++;
    if (this.failUpdates > 0) {
      this.failUpdates--;
      return Promise.reject(
        new SpotrunnerError('provider', 'update failed (scripted)', { retryable: true }),
      );
    }
    return Promise.resolve([...this.instances.values()].map((i) => ({ ...i })));
  }

  increase(n: number): Promise<number> {
    this.increases.push(n);
    if (this.failIncrease)
      return Promise.reject(new SpotrunnerError('provider', 'increase failed (scripted)'));
    const room = Math.max(0, this.maxSize - this.instances.size);
    const got = Math.min(n, room);
    if (this.holdBack) {
      this.held += got;
      return Promise.resolve(got);
    }
    for (let i = 0; i < got; i++) this.add(this.autoRun ? 'running' : 'creating');
    return Promise.resolve(got);
  }

  decrease(ids: readonly string[]): Promise<string[]> {
    this.decreases.push([...ids]);
    if (this.ignoreDecrease) return Promise.resolve([]);
    const done = ids.filter((id) => this.instances.has(id));
    if (!this.stickyDecrease) for (const id of done) this.setState(id, 'deleting');
    return Promise.resolve(done);
  }

  connectInfo(id: string): Promise<ConnectInfo> {
    if (this.instances.get(id)?.state !== 'running') {
      return Promise.reject(new SpotrunnerError('not_found', `${id} is not running`));
    }
    return Promise.resolve({
      id,
      os: 'linux',
      arch: 'amd64',
      protocol: 'ssh',
      internalAddr: '10.0.0.1',
      port: 22,
      username: 'test',
    });
  }

  shutdown(): Promise<void> {
    this.shutdowns++;
    return Promise.resolve();
  }

  add(state: InstanceState = 'running'): string {
    const id = `i-${++this.#seq}`;
    this.instances.set(id, { id, state, launchedAtMs: this.nowMs() });
    return id;
  }

  setState(id: string, state: InstanceState): void {
    const i = this.instances.get(id);
    if (i) this.instances.set(id, { ...i, state });
  }

  /** Launches what was held back (capacity came back). */
  releaseHeld(): void {
    for (; this.held > 0; this.held--) this.add(this.autoRun ? 'running' : 'creating');
  }

  /** A cancelRequested() that withdraws from what is held back, as a group lowering desired. */
  enableCancel(): number[] {
    const calls: number[] = [];
    this.cancelRequested = (n) => {
      calls.push(n);
      const got = Math.min(n, this.held);
      this.held -= got;
      return Promise.resolve(got);
    };
    return calls;
  }

  runAll(): void {
    for (const i of this.instances.values())
      if (i.state === 'creating') this.setState(i.id, 'running');
  }

  interrupt(id: string, interruption: InterruptionNotice): void {
    const i = this.instances.get(id);
    if (i) this.instances.set(id, { ...i, interruption });
  }

  vanish(id: string): void {
    this.instances.delete(id);
  }

  /** Drops instances listed as deleting (the cloud finished removing them). */
  reap(): void {
    for (const i of [...this.instances.values()])
      if (i.state === 'deleting') this.instances.delete(i.id);
  }

  ids(state?: InstanceState): string[] {
    return [...this.instances.values()].filter((i) => !state || i.state === state).map((i) => i.id);
  }
}
