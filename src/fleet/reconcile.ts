import type { InstanceInfo, InstanceState, InterruptionNotice } from '../providers/provider.js';
import { InstanceInterruptedError, InstanceLostError } from './fleet.js';
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
  // What was listed at each position by the previous update: instance, info object, and the
  // two fields that matter. An entry whose info object, state and notice are all unchanged is
  // skipped without touching the instance (cheap polls for big fleets and long replays).
  #insts: (FleetInstance | undefined)[] = [];
  #infos: (InstanceInfo | undefined)[] = [];
  #states: (InstanceState | undefined)[] = [];
  #notices: (InterruptionNotice | undefined)[] = [];

  constructor(core: FleetCore, readiness: Readiness) {
    this.#core = core;
    this.#readiness = readiness;
  }

  /** `initial` marks the first listing after start: instances found then are pre-existing. */
  apply(infos: readonly InstanceInfo[], initial = false): void {
    const book = this.#core.book;
    const gen = ++this.#gen;
    const known = book.size;
    const insts = this.#insts;
    const seen = this.#infos;
    const states = this.#states;
    const notices = this.#notices;
    let matched = 0;
    for (let i = 0; i < infos.length; i++) {
      const info = infos[i]!;
      const state = info.state;
      const notice = info.interruption;
      let inst = insts[i];
      // The book changes only in apply(), so an instance recorded last time is still in it.
      if (inst && seen[i] === info && states[i] === state && notices[i] === notice) {
        matched++;
        continue;
      }
      if (inst === undefined || inst.id !== info.id) inst = book.get(info.id);
      if (inst && inst.seenGen === gen) {
        inst = undefined; // listed twice: count it once
      } else if (inst) {
        matched++;
        book.noteSeen(inst, gen);
        this.#update(inst, info);
        if (inst.detached) inst = undefined;
      } else if (state !== 'deleting' && state !== 'deleted') {
        inst = this.#adopt(info, gen, initial);
        if (inst.detached) inst = undefined;
      }
      insts[i] = inst;
      seen[i] = info;
      states[i] = state;
      notices[i] = notice;
    }
    insts.length = seen.length = states.length = notices.length = infos.length;
    if (matched < known) this.#sweep(infos);
  }

  #adopt(info: InstanceInfo, gen: number, initial: boolean): FleetInstance {
    const core = this.#core;
    const inst = core.book.add(info.id, 'creating', core.clock.now());
    core.book.noteSeen(inst, gen);
    core.book.describe(inst, info);
    if (core.requested > 0) {
      core.forgetOldestRequests(1);
    } else if (!initial) {
      core.logger.info({ instance: info.id }, 'instance appeared without a request');
    }
    if (initial) {
      const policy = core.opts.preexistingInstances;
      const verdict =
        typeof policy === 'function' ? policy(info.id) : { adopt: policy === 'adopt' };
      if (!verdict.adopt) {
        core.book.setProviderState(inst, info.state);
        core.markForRemoval(inst, 'pre-existing instance');
        return inst;
      }
      if ('useCount' in verdict && verdict.useCount !== undefined) {
        core.book.setUseCount(inst, verdict.useCount);
      }
    }
    this.#update(inst, info);
    return inst;
  }

  #update(inst: FleetInstance, info: InstanceInfo): void {
    if (info.state !== inst.providerState) this.#changeState(inst, info.state);
    const notice = info.interruption;
    if (notice && !inst.lost && isNewNotice(inst.interruption, notice))
      this.#interrupt(inst, notice);
    if (inst.instanceType === undefined && info.instanceType !== undefined)
      this.#core.book.describe(inst, info);
  }

  #changeState(inst: FleetInstance, state: InstanceState): void {
    const core = this.#core;
    core.book.setProviderState(inst, state);
    switch (state) {
      case 'running':
        this.#readiness.begin(inst);
        return;
      case 'deleting':
      case 'deleted':
        // An instance we asked to remove goes as expected; any other was taken from us.
        if (inst.phase !== 'removing') core.lose(inst, `provider reports ${state}`);
        if (state === 'deleted') this.#gone(inst);
        return;
      case 'timeout': {
        const reason = new InstanceLostError(inst.id, 'provider reported timeout');
        for (const acq of inst.slots) acq?.abort(reason);
        core.markForRemoval(inst, 'provider reported timeout');
        return;
      }
      case 'creating':
        return;
    }
  }

  #interrupt(inst: FleetInstance, notice: InterruptionNotice): void {
    const core = this.#core;
    core.book.noteInterruption(inst, notice);
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

  /** Instances not in this listing are gone. */
  #sweep(infos: readonly InstanceInfo[]): void {
    const listed = new Set(infos.map((i) => i.id));
    const gone: FleetInstance[] = [];
    for (const inst of this.#core.book.instances.values()) {
      if (!listed.has(inst.id)) gone.push(inst);
    }
    for (const inst of gone) {
      if (inst.phase !== 'removing') this.#core.lose(inst, 'no longer listed');
      this.#gone(inst);
    }
  }

  #gone(inst: FleetInstance): void {
    const core = this.#core;
    if (!core.book.get(inst.id)) return;
    if (!inst.lost) {
      core.logger.info({ instance: inst.id, reason: inst.removalReason }, 'instance removed');
    }
    core.book.detach(inst);
  }
}

function isNewNotice(old: InterruptionNotice | undefined, next: InterruptionNotice): boolean {
  if (!old) return true;
  return old.kind === 'rebalance' && next.kind === 'termination';
}
