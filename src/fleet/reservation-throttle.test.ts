import { describe, expect, it } from 'vitest';
import {
  decidePreemptiveReserve,
  protectedReservations,
  type ReservationState,
} from './reservation-throttle.js';

const s = (o: Partial<ReservationState>): ReservationState => ({
  reserved: 0,
  freeSlots: 0,
  idleTarget: 0,
  capacityPerInstance: 1,
  throttling: true,
  ...o,
});

describe('reservation throttling', () => {
  it('lets every reservation pin a free slot when throttling is off', () => {
    expect(protectedReservations(s({ throttling: false, reserved: 10, freeSlots: 20 }))).toBe(10);
    expect(protectedReservations(s({ throttling: false, reserved: 10, freeSlots: 4 }))).toBe(4);
  });

  it('leaves one instance worth of free capacity unpinned above the idle target', () => {
    expect(protectedReservations(s({ reserved: 10, freeSlots: 10, idleTarget: 2 }))).toBe(9);
    expect(
      protectedReservations(
        s({ reserved: 10, freeSlots: 10, capacityPerInstance: 4, idleTarget: 2 }),
      ),
    ).toBe(6);
  });

  it('never throttles below the idle target', () => {
    expect(protectedReservations(s({ reserved: 1, freeSlots: 1, idleTarget: 1 }))).toBe(1);
  });

  it('refuses a preemptive reservation when every free slot is reserved', () => {
    expect(decidePreemptiveReserve(s({ reserved: 2, freeSlots: 2, idleTarget: 2 }))).toEqual({
      ok: false,
      reason: 'no_free_slot',
    });
    expect(decidePreemptiveReserve(s({ reserved: 1, freeSlots: 2, idleTarget: 2 }))).toEqual({
      ok: true,
    });
  });

  it('refuses a preemptive reservation that would pin capacity meant to be retired', () => {
    expect(
      decidePreemptiveReserve(
        s({ reserved: 4, freeSlots: 6, idleTarget: 1, capacityPerInstance: 2 }),
      ),
    ).toEqual({
      ok: false,
      reason: 'throttled',
    });
    expect(
      decidePreemptiveReserve(
        s({ reserved: 4, freeSlots: 6, idleTarget: 1, capacityPerInstance: 2, throttling: false }),
      ),
    ).toEqual({ ok: true });
  });
});
