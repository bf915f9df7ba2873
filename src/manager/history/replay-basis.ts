/**
 * What a replay of the recorded jobs takes from the recording itself (`report --config`): the
 * instance type and lifecycle that billed the most hours (when the price table knows the type),
 * the median boot time measured, and the spot interruption rate seen. Plan replays one type, so
 * a fleet that ran several is replayed on its main one; the notes say so.
 */
import { lookupInstancePrice, type PriceTable } from '../../plan/prices/price-table.js';
import type { PlanFlags } from '../../plan/replay/plan-setup.js';
import { summarize } from '../../plan/stats/percentiles.js';
import type { RecordedInstance } from './instance-tracker.js';

export interface ReplayBasis {
  /** The flags the replay runs with: the caller's, plus what the recording says. */
  flags: PlanFlags;
  /** What was taken from the recording, and what could not be, one sentence each. */
  notes: string[];
}

const H = 3600;
const UNKNOWN = '(unknown)';

function isPriced(prices: PriceTable, type: string, region: string): boolean {
  try {
    lookupInstancePrice(prices, type, region);
    return true;
  } catch {
    return false;
  }
}

/** Instance type/lifecycle pairs by billed seconds, most first. */
function typesByBilled(instances: readonly RecordedInstance[]): Array<[string, number]> {
  const billed = new Map<string, number>();
  for (const i of instances) {
    const key = `${i.instanceType ?? UNKNOWN} ${i.lifecycle ?? UNKNOWN}`;
    billed.set(key, (billed.get(key) ?? 0) + i.billedS);
  }
  return [...billed.entries()].sort((a, b) => b[1] - a[1]);
}

function pickType(
  instances: readonly RecordedInstance[],
  prices: PriceTable,
  region: string,
  flags: PlanFlags,
  notes: string[],
): PlanFlags {
  const out: PlanFlags = {};
  const types = typesByBilled(instances);
  const total = types.reduce((s, [, b]) => s + b, 0);
  if (types.length > 1) {
    const shares = types.map(([k, b]) => `${k} ${Math.round((100 * b) / (total || 1))}%`);
    notes.push(
      `the recording billed ${types.length} instance types (${shares.join(', ')}); plan replays one type for every instance`,
    );
  }
  const [type, lifecycle] = (types[0]?.[0] ?? '').split(' ');
  if (flags.instanceType === undefined && type && type !== UNKNOWN) {
    if (isPriced(prices, type, region)) {
      out.instanceType = type;
      notes.push(`instance type ${type} as recorded (the most billed hours)`);
    } else {
      notes.push(
        `recorded type ${type} has no price in ${region}: the replay prices the config's instance type`,
      );
    }
  }
  if (flags.lifecycle === undefined && (lifecycle === 'spot' || lifecycle === 'on-demand')) {
    out.lifecycle = lifecycle;
    notes.push(`lifecycle ${lifecycle} as recorded`);
  }
  return out;
}

/** The spread of the boot times as the sigma of a log-normal (standard deviation of ln). */
function logSpread(ms: readonly number[]): number {
  const logs = ms.filter((v) => v > 0).map((v) => Math.log(v));
  if (logs.length < 2) return 0;
  const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
  const variance = logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length;
  return Math.round(Math.sqrt(variance) * 1000) / 1000;
}

/** The replay's flags and the notes on them, from the runner's recorded instances. */
export function replayBasisFromRecording(
  instances: readonly RecordedInstance[],
  prices: PriceTable,
  region: string,
  flags: PlanFlags,
): ReplayBasis {
  const notes: string[] = [];
  const out: PlanFlags = { ...flags, region, ...pickType(instances, prices, region, flags, notes) };
  const boots = instances.filter((i) => i.readyAtMs !== undefined).map((i) => i.bootS * 1000);
  if (flags.bootMedianMs === undefined && boots.length > 0) {
    out.bootMedianMs = Math.max(1, Math.round(summarize(boots).p50));
    out.bootSigma = logSpread(boots);
    notes.push(
      `boot time: median ${(out.bootMedianMs / 1000).toFixed(1)} s, log-normal sigma ${out.bootSigma.toFixed(2)}, of ${boots.length} recorded boots (launch to ready)`,
    );
  }
  const spot = instances.filter((i) => i.lifecycle === 'spot');
  const spotHours = spot.reduce((s, i) => s + i.billedS, 0) / H;
  if (flags.interruptionsPerInstanceHour === undefined && spotHours > 0) {
    const interrupted = spot.filter((i) => i.interrupted).length;
    out.interruptionsPerInstanceHour = interrupted / spotHours;
    notes.push(
      `spot interruptions: ${interrupted} in ${spotHours.toFixed(1)} recorded spot instance-hours (${out.interruptionsPerInstanceHour.toFixed(4)} per hour)`,
    );
  }
  return { flags: out, notes };
}
