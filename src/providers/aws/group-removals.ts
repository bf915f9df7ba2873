/**
 * Removing instances from the group: TerminateInstanceInAutoScalingGroup with decrement, as far
 * as the group's MinSize allows. AWS refuses the decrement while DesiredCapacity equals MinSize
 * ("Terminating instance without replacement will violate group's min size constraint"), and
 * terminating without it makes the group launch a replacement. So a removal the group cannot
 * take now is held: accepted (the engine neither uses the instance nor asks again, and nothing
 * is retried against AWS), listed as deleting with the reason, logged once with the fix, and
 * issued as soon as the group is above MinSize (MinSize lowered, or desired capacity raised for
 * new instances). `spotrunner verify` flags MinSize > 0 as an error. Held removals are kept in a
 * `HeldRemovalsStore` (the manager's state file) when one is given, so a restarted manager still
 * lists them as on their way out and issues them once the group allows.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { isAbortError } from '../../platform/abort.js';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { InstanceInfo } from '../provider.js';
import { terminateInstances } from './group-capacity.js';

/** The group's counts as the provider knows them (desired undefined: not known yet). */
export interface GroupSizes {
  desired: number | undefined;
  minSize: number;
}

/** Where held removals outlive a restart (the manager's state file, per runner and group). */
export interface HeldRemovalsStore {
  load(): readonly string[];
  save(ids: readonly string[]): void;
}

export interface RemovalResult {
  /** Removals issued or held: the engine may consider them under way. */
  accepted: string[];
  /** Terminations issued with decrement (desired capacity went down by this much). */
  terminated: number;
}

export class GroupRemovals {
  readonly #deps: { autoscaling: AutoScalingClient; logger: Logger };
  readonly #groupName: string;
  readonly #held: Set<string>;
  readonly #store: HeldRemovalsStore | undefined;

  constructor(
    deps: { autoscaling: AutoScalingClient; logger: Logger },
    groupName: string,
    store?: HeldRemovalsStore,
  ) {
    this.#deps = deps;
    this.#groupName = groupName;
    this.#store = store;
    this.#held = new Set(store?.load() ?? []);
    if (this.#held.size > 0) {
      deps.logger.warn(
        { instances: [...this.#held] },
        'instance removals held by a previous run; removed once the group allows it',
      );
    }
  }

  /** Ids the group does not list are tried anyway (AWS answers whether they are gone). */
  async remove(
    ids: readonly string[],
    group: GroupSizes & { ids: ReadonlySet<string> },
    signal?: AbortSignal,
  ): Promise<RemovalResult> {
    const listed = ids.filter((id) => !this.#held.has(id) && group.ids.has(id));
    const unknown = ids.filter((id) => !this.#held.has(id) && !group.ids.has(id));
    const room = Math.max(0, roomOf(group));
    const blocked = listed.slice(room);
    const done = await this.#terminate([...listed.slice(0, room), ...unknown], blocked, signal);
    this.#hold(blocked, group);
    return {
      accepted: [...done, ...ids.filter((id) => !done.includes(id) && this.#held.has(id))],
      terminated: done.length,
    };
  }

  /** Whether held removals can be issued now. */
  canRelease(inGroup: ReadonlySet<string>, sizes: GroupSizes): boolean {
    let gone = 0;
    for (const id of this.#held) if (!inGroup.has(id) && this.#held.delete(id)) gone++;
    if (gone > 0) this.#save();
    return this.#held.size > 0 && roomOf(sizes) > 0;
  }

  /**
   * Issues as many held removals as the group allows; returns how many were terminated. A
   * failure is logged and tried again on the next call.
   */
  async release(sizes: GroupSizes, signal?: AbortSignal): Promise<number> {
    const room = roomOf(sizes);
    if (room <= 0) return 0;
    const ids = [...this.#held].slice(0, room);
    let done: string[];
    try {
      done = await this.#terminate(ids, [], signal);
    } catch (err: unknown) {
      if (isAbortError(err)) throw err;
      this.#deps.logger.warn({ err: describeError(err) }, 'held instance removal failed');
      return 0;
    }
    for (const id of done) this.#held.delete(id);
    if (done.length > 0) {
      this.#save();
      this.#deps.logger.info({ instances: done }, 'held instance removal issued');
    }
    return done.length;
  }

  /** At start: a group with MinSize > 0 keeps its last instances whatever the engine wants. */
  checkMinSize(minSize: number): void {
    if (minSize <= 0) return;
    this.#deps.logger.error(
      { minSize, fix: this.#fix() },
      'auto scaling group has MinSize above 0: its last instances cannot be removed',
    );
  }

  /** Held instances are on their way out as far as the engine is concerned. */
  mark(infos: InstanceInfo[], minSize: number): InstanceInfo[] {
    if (this.#held.size === 0) return infos;
    return infos.map((i) =>
      this.#held.has(i.id) && i.state !== 'deleting' && i.state !== 'deleted'
        ? {
            ...i,
            state: 'deleting',
            detail: `${i.detail ?? 'InService'}; removal held by MinSize ${minSize}`,
          }
        : i,
    );
  }

  /** Terminates with decrement; ids AWS refused at MinSize are added to `blocked`. */
  #terminate(ids: readonly string[], blocked: string[], signal?: AbortSignal): Promise<string[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return terminateInstances(this.#deps, ids, signal, (rest) => blocked.push(...rest));
  }

  #hold(ids: readonly string[], sizes: GroupSizes): void {
    const fresh = ids.filter((id) => !this.#held.has(id));
    for (const id of fresh) this.#held.add(id);
    if (fresh.length === 0) return;
    this.#save();
    this.#deps.logger.error(
      {
        instances: fresh,
        minSize: sizes.minSize,
        desired: sizes.desired,
        fix: this.#fix(),
      },
      'instance removal held: the group is at its MinSize; it is removed once the group allows it',
    );
  }

  #save(): void {
    this.#store?.save([...this.#held]);
  }

  #fix(): string {
    return `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${this.#groupName} --min-size 0`;
  }
}

/** How many instances can go with decrement before the group reaches MinSize. */
function roomOf(sizes: GroupSizes): number {
  return sizes.desired === undefined ? Number.POSITIVE_INFINITY : sizes.desired - sizes.minSize;
}
