export interface ReservationState {
  /** Reservations held now. */
  reserved: number;
  /** Free slots on ready, healthy instances that take new jobs. */
  freeSlots: number;
  idleTarget: number;
  capacityPerInstance: number;
  /** reservation_throttling (taskscaler !60). */
  throttling: boolean;
}

/**
 * Most reservations allowed to pin free capacity. Without throttling every reservation can pin a
 * free slot, so a runner polling with request_concurrency N keeps N slots forever (#39161). With
 * throttling, reservations above the idle target may pin at most `free − capacity_per_instance`,
 * leaving room to retire at least one instance.
 */
export function reservationLimit(s: ReservationState): number {
  if (!s.throttling) return Number.POSITIVE_INFINITY;
  return Math.max(s.idleTarget, s.freeSlots - Math.max(1, s.capacityPerInstance));
}

/** Reservations that count as a floor against scale-down. */
export function protectedReservations(s: ReservationState): number {
  return Math.max(0, Math.min(s.reserved, s.freeSlots, reservationLimit(s)));
}

export type ReserveDecision = { ok: true } | { ok: false; reason: 'no_free_slot' | 'throttled' };

/** Preemptive mode: a reservation needs an unreserved free slot on a ready instance now. */
export function decidePreemptiveReserve(s: ReservationState): ReserveDecision {
  if (s.freeSlots - s.reserved <= 0) return { ok: false, reason: 'no_free_slot' };
  if (s.reserved + 1 > reservationLimit(s)) return { ok: false, reason: 'throttled' };
  return { ok: true };
}
