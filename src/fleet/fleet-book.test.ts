import { describe, expect, it } from 'vitest';
import type { ConnectInfo } from '../providers/provider.js';
import { FleetAcquisition } from './acquisition.js';
import { FleetBook } from './fleet-book.js';
import type { FleetInstance } from './fleet-instance.js';
import {
  INSTANCE_PHASES,
  INSTANCE_TRANSITIONS,
  InstanceTransitionError,
  type InstancePhase,
} from './instance-phase.js';

type Target = Exclude<InstancePhase, 'creating'>;

/** The one FleetBook method that moves an instance into each phase. */
const ENTER: Record<Target, (book: FleetBook, inst: FleetInstance) => void> = {
  readying: (b, i) => b.beginReadying(i, new AbortController()),
  ready: (b, i) => b.markReady(i, 5_000),
  draining: (b, i) => b.markDraining(i, 'test drain'),
  removing: (b, i) => b.markRemoving(i, 'test removal', 6_000),
  lost: (b, i) => b.markLost(i, 'instance unexpectedly removed'),
  gone: (b, i) => b.detach(i),
};

/** Shortest allowed path from creating to `phase`, by the table itself. */
function pathTo(phase: InstancePhase): Target[] | undefined {
  const paths = new Map<InstancePhase, Target[]>([['creating', []]]);
  const queue: InstancePhase[] = ['creating'];
  for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
    for (const next of INSTANCE_TRANSITIONS[p]) {
      if (paths.has(next)) continue;
      paths.set(next, [...paths.get(p)!, next as Target]);
      queue.push(next);
    }
  }
  return paths.get(phase);
}

const connect = (id: string): Promise<ConnectInfo> =>
  Promise.resolve({ id, os: 'linux', arch: 'amd64', protocol: 'ssh', port: 22, username: 'u' });

function acquisition(inst: FleetInstance, key: string): FleetAcquisition {
  return new FleetAcquisition(key, inst.id, inst.slots.indexOf(undefined), 1, connect);
}

/** The running totals and indices equal a recount from scratch. */
function expectConsistent(book: FleetBook): void {
  const all = [...book.instances.values()];
  const counted = all.filter((i) => i.counted);
  const sum = (f: (i: FleetInstance) => number): number => counted.reduce((n, i) => n + f(i), 0);
  const free = (i: FleetInstance): number => (i.status === 'ready' ? i.capacity - i.inUse : 0);
  expect({
    counted: book.counted,
    booting: book.booting,
    acquired: book.acquired,
    unavailable: book.unavailable,
    freeSlots: book.freeSlots,
    freeInstances: book.freeInstanceCount,
    removing: [...book.removing].map((i) => i.id).sort(),
    idle: [...book.idleCandidates()].map((c) => c.id).sort(),
  }).toEqual({
    counted: counted.length,
    booting: counted.filter((i) => i.status === 'creating' || i.status === 'readying').length,
    acquired: sum((i) => i.inUse),
    unavailable: sum((i) =>
      i.status === 'draining' || i.status === 'removing' ? i.capacity - i.inUse : 0,
    ),
    freeSlots: sum(free),
    freeInstances: counted.filter((i) => free(i) > 0).length,
    removing: all
      .filter((i) => i.phase === 'removing')
      .map((i) => i.id)
      .sort(),
    idle: counted
      .filter((i) => free(i) > 0 && i.inUse === 0)
      .map((i) => i.id)
      .sort(),
  });
}

describe('instance transition table', () => {
  it('reaches every phase from creating, and nothing returns to creating', () => {
    for (const phase of INSTANCE_PHASES) expect(pathTo(phase), phase).toBeDefined();
    for (const phase of INSTANCE_PHASES)
      expect(INSTANCE_TRANSITIONS[phase]).not.toContain('creating');
    expect(INSTANCE_TRANSITIONS.gone).toEqual([]);
  });

  for (const from of INSTANCE_PHASES) {
    for (const to of Object.keys(ENTER) as Target[]) {
      const allowed = INSTANCE_TRANSITIONS[from].includes(to);
      it(`${allowed ? 'allows' : 'refuses'} ${from} → ${to}`, () => {
        const book = new FleetBook(2);
        const other = book.add('i-other', 'running', 0);
        ENTER.ready(book, other);
        const inst = book.add('i-1', 'running', 1_000);
        for (const step of pathTo(from)!) ENTER[step](book, inst);
        expect(inst.phase).toBe(from);
        expectConsistent(book);

        if (allowed) {
          ENTER[to](book, inst);
          expect(inst.phase).toBe(to);
          expect(inst.status).toBe(to === 'lost' || to === 'gone' ? 'removing' : to);
          expect(inst.lost).toBe(to === 'lost' || to === 'gone');
          expect(book.get('i-1')).toBe(to === 'gone' ? undefined : inst);
        } else {
          const before = {
            phase: inst.phase,
            totals: [book.counted, book.booting, book.unavailable],
          };
          let thrown: unknown;
          try {
            ENTER[to](book, inst);
          } catch (err: unknown) {
            thrown = err;
          }
          expect(thrown).toBeInstanceOf(InstanceTransitionError);
          expect(thrown).toMatchObject({ code: 'state', retryable: false, from, to });
          expect({
            phase: inst.phase,
            totals: [book.counted, book.booting, book.unavailable],
          }).toEqual(before);
        }
        expectConsistent(book);
      });
    }
  }
});

describe('FleetBook', () => {
  it('keeps the free-slot index and idle list in step with binds, releases and drains', () => {
    const book = new FleetBook(2);
    const a = book.add('i-a', 'running', 0);
    const b = book.add('i-b', 'running', 0);
    ENTER.ready(book, a);
    ENTER.ready(book, b);
    expect(book.pickFree()?.id).toBe('i-a');
    expect(book.idleHead?.id).toBe('i-a');

    const first = acquisition(a, 'k1');
    book.bind(a, first);
    book.bind(a, acquisition(a, 'k2'));
    expect(book.pickFree()?.id).toBe('i-b');
    expect(book.idleHead?.id).toBe('i-b');
    expect({ acquired: book.acquired, freeSlots: book.freeSlots }).toEqual({
      acquired: 2,
      freeSlots: 2,
    });
    expectConsistent(book);

    book.unbind(a, first.slot, false, 9_000);
    expect(a.failures).toBe(1);
    expect(book.pickFree()?.id).toBe('i-a');
    expectConsistent(book);

    book.markDraining(a, 'operator');
    expect(book.pickFree()?.id).toBe('i-b');
    expect(book.unavailable).toBe(1);
    expectConsistent(book);

    book.unbind(a, 1, true, 10_000);
    expect(a).toMatchObject({ inUse: 0, failures: 0, idleSinceMs: 10_000 });
    expect(book.idleHead?.id).toBe('i-b');
    expectConsistent(book);
  });

  it('refuses to bind a slot on an instance that is not ready, or a slot already taken', () => {
    const book = new FleetBook(1);
    const inst = book.add('i-1', 'creating', 0);
    expect(() => book.bind(inst, acquisition(inst, 'k'))).toThrow(InstanceTransitionError);
    ENTER.ready(book, inst);
    const acq = acquisition(inst, 'k');
    book.bind(inst, acq);
    expect(() => book.bind(inst, acq)).toThrow(InstanceTransitionError);
    expect(() => book.unbind(inst, 5, true, 0)).toThrow(InstanceTransitionError);
    expectConsistent(book);
  });

  it('stops counting an instance the provider reports deleting', () => {
    const book = new FleetBook(1);
    const inst = book.add('i-1', 'running', 0);
    ENTER.ready(book, inst);
    expect(book.counted).toBe(1);
    book.setProviderState(inst, 'deleting');
    expect({ counted: book.counted, freeSlots: book.freeSlots }).toEqual({
      counted: 0,
      freeSlots: 0,
    });
    expect(book.pickFree()).toBeUndefined();
    expectConsistent(book);
  });
});
