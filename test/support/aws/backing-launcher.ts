/**
 * Turns the double's launches and terminations into calls on the backing provider, one at a
 * time (so a new backing id can be matched to the EC2 id that asked for it), and records when
 * each backing instance is up.
 */
import { SystemClock } from '../../../src/platform/clock.js';
import type { AwsDoubleBacking, DoubleInstance } from './double-model.js';

const POLL_MS = 20;
const POLL_LIMIT = 1_500;

export class BackingLauncher {
  readonly #backing: AwsDoubleBacking;
  readonly #clock = new SystemClock();
  readonly #mapped = new Set<string>();
  #chain: Promise<void> = Promise.resolve();
  #settled: Promise<void> = Promise.resolve();
  #pending = 0;
  readonly errors: string[] = [];

  constructor(backing: AwsDoubleBacking) {
    this.#backing = backing;
  }

  get backing(): AwsDoubleBacking {
    return this.#backing;
  }

  /** Resolves once every queued launch and termination has finished. */
  async idle(): Promise<void> {
    while (this.#pending > 0) await this.#settled;
  }

  launch(instance: DoubleInstance): void {
    this.#enqueue(`launch ${instance.id}`, async () => {
      const before = new Set((await this.#backing.update()).map((i) => i.id));
      const granted = await this.#backing.increase(1);
      if (granted < 1) throw new Error('backing refused to create an instance');
      const backingId = await this.#waitForNew(before);
      this.#mapped.add(backingId);
      instance.backingId = backingId;
      // Boots in parallel with later launches.
      this.#track(`boot ${instance.id}`, this.#boot(instance, backingId));
    });
  }

  async #boot(instance: DoubleInstance, backingId: string): Promise<void> {
    try {
      await this.#waitRunning(backingId);
    } catch (err: unknown) {
      // Terminated while booting: nothing left to boot.
      if (instance.lifecycleState === 'Terminating' || !instance.inGroup) return;
      throw err;
    }
    const info = await this.#backing.connectInfo(backingId);
    instance.privateIp = info.internalAddr ?? info.externalAddr;
    if (info.port !== undefined && info.port !== 22) instance.port = info.port;
    instance.backingReady = true;
  }

  terminate(instance: DoubleInstance): void {
    this.#enqueue(`terminate ${instance.id}`, async () => {
      if (instance.backingId !== undefined) {
        await this.#backing.decrease([instance.backingId]);
        this.#mapped.delete(instance.backingId);
      }
      instance.backingGone = true;
    });
  }

  #enqueue(what: string, task: () => Promise<void>): void {
    const run = this.#chain.then(task);
    this.#chain = run.catch(() => undefined);
    this.#track(what, run);
  }

  #track(what: string, work: Promise<void>): void {
    this.#pending++;
    this.#settled = Promise.all([
      this.#settled,
      work
        .catch((err: unknown) => {
          this.errors.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
        })
        .finally(() => {
          this.#pending--;
        }),
    ]).then(() => undefined);
  }

  async #waitForNew(before: ReadonlySet<string>): Promise<string> {
    for (let i = 0; i < POLL_LIMIT; i++) {
      const fresh = (await this.#backing.update()).find(
        (b) => !before.has(b.id) && !this.#mapped.has(b.id),
      );
      if (fresh) return fresh.id;
      await this.#clock.sleep(POLL_MS);
    }
    throw new Error('backing instance never appeared');
  }

  async #waitRunning(backingId: string): Promise<void> {
    for (let i = 0; i < POLL_LIMIT; i++) {
      const state = (await this.#backing.update()).find((b) => b.id === backingId)?.state;
      if (state === 'running') return;
      if (state === undefined || state === 'deleted' || state === 'deleting') {
        throw new Error(`backing instance ${backingId} is ${state ?? 'gone'}`);
      }
      await this.#clock.sleep(POLL_MS);
    }
    throw new Error(`backing instance ${backingId} never became ready`);
  }
}
