import { compilePeriod, type PeriodMatcher } from './period-matcher.js';
import type { FleetPolicy } from './options.js';

/** The policy used when no period contains "now" (the K8s port of taskscaler's policy code). */
export const FALLBACK_POLICY: FleetPolicy = Object.freeze({
  periods: Object.freeze([]),
  idleCount: 0,
  idleTimeMs: 5 * 60_000,
  scaleFactor: 0,
  scaleFactorLimit: 0,
  preemptiveMode: false,
});

export interface PolicySchedule {
  readonly policies: readonly FleetPolicy[];
  readonly matchers: readonly (readonly PeriodMatcher[])[];
}

export interface ActivePolicy {
  /** Index in the configured list; -1 for the fallback. */
  index: number;
  policy: FleetPolicy;
  /** True when no period matched and FALLBACK_POLICY applies. */
  fallback: boolean;
}

/** Parses every period once; throws SpotrunnerError('config_invalid') on a bad pattern or zone. */
export function compilePolicySchedule(policies: readonly FleetPolicy[]): PolicySchedule {
  return {
    policies,
    matchers: policies.map((p) => p.periods.map((period) => compilePeriod(period, p.timezone))),
  };
}

/** The LAST policy with a period containing `nowMs` wins; none → the fallback policy. */
export function activePolicy(schedule: PolicySchedule, nowMs: number): ActivePolicy {
  for (let i = schedule.policies.length - 1; i >= 0; i--) {
    const matchers = schedule.matchers[i]!;
    for (const m of matchers) {
      if (m.matches(nowMs)) return { index: i, policy: schedule.policies[i]!, fallback: false };
    }
  }
  return { index: -1, policy: FALLBACK_POLICY, fallback: true };
}

/** Remembers the answer for the current minute (periods have minute resolution). */
export class ActivePolicyCache {
  #schedule: PolicySchedule;
  #minute = Number.NaN;
  #active: ActivePolicy = { index: -1, policy: FALLBACK_POLICY, fallback: true };

  constructor(schedule: PolicySchedule) {
    this.#schedule = schedule;
  }

  set schedule(schedule: PolicySchedule) {
    this.#schedule = schedule;
    this.#minute = Number.NaN;
  }

  get(nowMs: number): ActivePolicy {
    const minute = Math.floor(nowMs / 60_000);
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.#active = activePolicy(this.#schedule, nowMs);
    }
    return this.#active;
  }
}
