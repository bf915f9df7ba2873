/**
 * `--sweep idle_time=0m,5m,20m,60m --sweep idle_count=0,1,2 --sweep capacity=1,2,4
 * --sweep type=t4g.medium,c7g.large` → the settings to replay (every combination). A bare
 * `--sweep` uses idle_time=1m,5m,20m,60m × idle_count=0,1 × capacity=1,2.
 */
import { parseDurationMs } from '../../platform/durations.js';
import { UserError } from '../../platform/errors.js';
import type { PlanOverrides } from '../replay/plan-setup.js';

export const SWEEP_KEYS = [
  'idle_time',
  'idle_count',
  'capacity',
  'type',
  'max_instances',
  'preemptive',
] as const;
export type SweepKey = (typeof SWEEP_KEYS)[number];

export interface SweepDimension {
  key: SweepKey;
  /** The values as written (for labels). */
  labels: string[];
  apply: (o: PlanOverrides, index: number) => void;
}

export const DEFAULT_SWEEP: readonly string[] = [
  'idle_time=1m,5m,20m,60m',
  'idle_count=0,1',
  'capacity=1,2',
];

function wholeNumbers(key: string, values: string[], min: number): number[] {
  return values.map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new UserError(`--sweep ${key}=${v}: expected a whole number ≥ ${min}`);
    return n;
  });
}

function dimension(key: SweepKey, values: string[]): SweepDimension {
  switch (key) {
    case 'idle_time': {
      const ms = values.map((v) => {
        const d = parseDurationMs(v);
        if (d < 0) throw new UserError(`--sweep idle_time=${v}: must not be negative`);
        return d;
      });
      return { key, labels: values, apply: (o, i) => (o.idleTimeMs = ms[i]!) };
    }
    case 'idle_count': {
      const n = wholeNumbers(key, values, 0);
      return { key, labels: values, apply: (o, i) => (o.idleCount = n[i]!) };
    }
    case 'capacity': {
      const n = wholeNumbers(key, values, 1);
      return { key, labels: values, apply: (o, i) => (o.capacityPerInstance = n[i]!) };
    }
    case 'max_instances': {
      const n = wholeNumbers(key, values, 1);
      return { key, labels: values, apply: (o, i) => (o.maxInstances = n[i]!) };
    }
    case 'type':
      return { key, labels: values, apply: (o, i) => (o.instanceType = values[i]!) };
    case 'preemptive': {
      const flags = values.map((v) => {
        if (v !== 'true' && v !== 'false')
          throw new UserError(`--sweep preemptive=${v}: expected true or false`);
        return v === 'true';
      });
      return { key, labels: values, apply: (o, i) => (o.preemptiveMode = flags[i]!) };
    }
  }
}

/** Parses the `--sweep` arguments (empty list or `['']` = the defaults). */
export function parseSweep(args: readonly string[]): SweepDimension[] {
  const given = args.filter((a) => a.trim() !== '');
  const dims = new Map<SweepKey, SweepDimension>();
  for (const arg of given.length > 0 ? given : DEFAULT_SWEEP) {
    const eq = arg.indexOf('=');
    const key = (eq < 0 ? arg : arg.slice(0, eq)).trim().replace(/-/g, '_') as SweepKey;
    if (!SWEEP_KEYS.includes(key)) {
      throw new UserError(`--sweep ${arg}: unknown setting (one of ${SWEEP_KEYS.join(', ')})`);
    }
    const values =
      eq < 0
        ? []
        : arg
            .slice(eq + 1)
            .split(',')
            .map((v) => v.trim())
            .filter(Boolean);
    if (values.length === 0) throw new UserError(`--sweep ${key}: give values, e.g. ${key}=a,b,c`);
    if (dims.has(key)) throw new UserError(`--sweep ${key} given twice`);
    dims.set(key, dimension(key, values));
  }
  return [...dims.values()];
}

export interface SweepCombination {
  /** `idle_time=5m capacity=2`. */
  label: string;
  values: Partial<Record<SweepKey, string>>;
  overrides: PlanOverrides;
}

/** Every combination of the dimensions' values, first dimension slowest. */
export function sweepCombinations(dims: readonly SweepDimension[]): SweepCombination[] {
  let combos: SweepCombination[] = [{ label: '', values: {}, overrides: {} }];
  for (const dim of dims) {
    const next: SweepCombination[] = [];
    for (const c of combos) {
      dim.labels.forEach((label, i) => {
        const overrides = { ...c.overrides };
        dim.apply(overrides, i);
        next.push({
          label: `${c.label}${c.label ? ' ' : ''}${dim.key}=${label}`,
          values: { ...c.values, [dim.key]: label },
          overrides,
        });
      });
    }
    combos = next;
  }
  return combos;
}
