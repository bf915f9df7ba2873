import type { InstanceInfo, InstanceState, InterruptionNotice } from '../providers/provider.js';
import { InstanceInterruptedError, InstanceLostError } from './acquisition.js';
import type { FleetCore } from './fleet-core.js';
import type { FleetInstance } from './fleet-instance.js';
import type { Readiness } from './readiness.js';

/**
 * Applies one provider `update()` listing to the instance table, as fleeting does: adopts new
 * instances, follows state changes, starts ready-up on running, handles interruption notices,
 * and tells expected removals from instances that vanished under us.
 */
export class Reconciler {
  readonly #core: FleetCore;
  readonly #readiness: Readiness;
  #gen = 0;
  #prev: (FleetInstance | undefined)[] = [];
  #spare: (FleetInstance | undefined)[] = [];

  constructor(core: FleetCore, readiness: Readiness) {
    this.#core = core;
    this.#readiness = readiness;
  }

  /** `initial` marks the first listing after start: instances found then are pre-existing. */
  apply(infos: readonly InstanceInfo[], initial = false): void {
    const book = this.#core.book;
    const gen = ++this.#gen;
    const known = book.size;
    // Providers usually list instances in the same order each time: try the instance seen at
    // the same position before hashing the id.
    const prev = this.#prev;
    const next = this.#spare;
    next.length = 0;
    let matched = 0;
    for (let i = 0; i < infos.length; i++) {
      const info = infos[i]!;
      let inst = prev[i];
      if (inst === undefined || inst.id !== info.id || inst.detached) inst = book.get(info.id);
      if (inst) {
        if (inst.seenGen !== gen) matched++;
        inst.seenGen = gen;
        this.#update(inst, info);
      } else if (info.state !== 'deleting' && info.state !== 'deleted') {
        inst = this.#adopt(info, gen, initial);
      }
      next.push(inst);
    }
    this.#spare = prev;
    this.#prev = next;
    if (matched < known) this.#sweep(gen);
  }

  #adopt(info: InstanceInfo, gen: number, initial: boolean): FleetInstance {
    const core = this.#core;
    const inst = core.book.add(info.id, 'creating', core.clock.now());
    inst.seenGen = gen;
    this.#describe(inst, info);
    if (core.requested > 0) {
      core.requested--;
    } else if (!initial) {
      core.logger.info({ instance: info.id }, 'instance appeared without a request');
    }
    if (initial && core.opts.preexistingInstances === 'remove') {
      inst.providerState = info.state;
      core.markForRemoval(inst, 'pre-existing instance');
      return inst;
    }
    this.#update(inst, info);
    return inst;
  }

  #describe(inst: FleetInstance, info: InstanceInfo): void {
    inst.instanceType = info.instanceType;
    inst.lifecycle = info.lifecycle;
    inst.launchedAtMs = info.launchedAtMs;
  }

  #update(inst: FleetInstance, info: InstanceInfo): void {
    if (info.state !== inst.providerState) this.#changeState(inst, info.state);
    const notice = info.interruption;
    if (notice && !inst.lost && isNewNotice(inst.interruption, notice))
      this.#interrupt(inst, notice);
    if (inst.instanceType === undefined && info.instanceType !== undefined)
      this.#describe(inst, info);
  }

  #changeState(inst: FleetInstance, state: InstanceState): void {
    const core = this.#core;
    inst.providerState = state;
    switch (state) {
      case 'running':
        core.book.refresh(inst);
        this.#readiness.begin(inst);
        return;
      case 'deleting':
      case 'deleted':
        if (inst.status === 'removing' && !inst.lost) core.book.refresh(inst);
        else core.lose(inst, `provider reports ${state}`);
        if (state === 'deleted') this.#gone(inst);
        return;
      case 'timeout': {
        const reason = new InstanceLostError(inst.id, 'provider reported timeout');
        for (const acq of inst.slots) acq?.abort(reason);
        core.markForRemoval(inst, 'provider reported timeout');
        return;
      }
      case 'creating':
        core.book.refresh(inst);
        return;
    }
  }

  #interrupt(inst: FleetInstance, notice: InterruptionNotice): void {
    const core = this.#core;
    inst.interruption = notice;
    core.logger.warn(
      {
        instance: inst.id,
        kind: notice.kind,
        deadlineMs: notice.deadlineMs,
        slotsInUse: inst.inUse,
      },
      'instance interruption notice',
    );
    if (notice.kind === 'termination') {
      if (inst.inUse > 0) {
        const reason = new InstanceInterruptedError(inst.id, notice.deadlineMs);
        for (const acq of inst.slots) acq?.abort(reason);
      }
      core.drain(inst, 'spot termination notice');
    } else {
      core.drain(inst, 'spot rebalance recommendation');
    }
  }

  /** Instances not listed in this generation are gone. */
  #sweep(gen: number): void {
    const gone: FleetInstance[] = [];
    for (const inst of this.#core.book.instances.values()) {
      if (inst.seenGen !== gen) gone.push(inst);
    }
    for (const inst of gone) {
      if (!(inst.status === 'removing' && !inst.lost)) this.#core.lose(inst, 'no longer listed');
      this.#gone(inst);
    }
  }

  #gone(inst: FleetInstance): void {
    const core = this.#core;
    if (!core.book.get(inst.id)) return;
    if (!inst.lost) {
      core.logger.info({ instance: inst.id, reason: inst.removalReason }, 'instance removed');
    }
    core.book.delete(inst);
  }
}

function isNewNotice(old: InterruptionNotice | undefined, next: InterruptionNotice): boolean {
  if (!old) return true;
  return old.kind === 'rebalance' && next.kind === 'termination';
}
