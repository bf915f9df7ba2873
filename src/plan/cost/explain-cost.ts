/**
 * Explains a plan's cost: where the billed VM-hours go (busy, booting, idle, minimum billing)
 * and, given an expected band (like the seed's "$2–5/month"), why the replay lands inside or
 * outside it, with the levers that would move it.
 */
import { formatDurationMs } from '../../platform/durations.js';
import type { PlanResult } from '../replay/plan-result.js';
import { projectPerMonth } from './projection.js';

export interface CostBand {
  lowUsd: number;
  highUsd: number;
  /** Where the band comes from, e.g. `seed 002 projection`. */
  label: string;
}

const usd = (n: number): string => `$${n.toFixed(2)}`;
const perHour = (n: number): string => `$${Number(n.toPrecision(3))}/h`;
const h = (n: number): string => `${n.toFixed(1)} h`;

interface Breakdown {
  busy: number;
  boot: number;
  idle: number;
  minimum: number;
  total: number;
}

/** Billed VM-hours per month split into busy, booting, idle and the 60-s minimum. */
export function vmHourBreakdown(r: PlanResult): Breakdown {
  const span = r.history.spanMs;
  const busy = projectPerMonth(r.busyVmHours, span);
  const boot = projectPerMonth(r.bootHours, span);
  const run = projectPerMonth(r.vmRunHours, span);
  const total = r.vmHoursPerMonth;
  return {
    busy,
    boot,
    idle: Math.max(0, run - busy - boot),
    minimum: Math.max(0, total - run),
    total,
  };
}

function outsideBand(r: PlanResult, band: CostBand, b: Breakdown, price: number): string[] {
  const s = r.settings;
  const cost = r.costPerMonthUsd;
  const out: string[] = [];
  const bandHours = band.highUsd / price;
  if (cost > band.highUsd) {
    out.push(
      `above the expected ${usd(band.lowUsd)}–${usd(band.highUsd)}/month (${band.label}) by ${usd(cost - band.highUsd)}: ` +
        `at ${perHour(price)} the band allows at most ${h(bandHours)} of VM time a month, the replay bills ${h(b.total)}`,
    );
    out.push(
      `idle instances cost ${usd(b.idle * price)}/month (${h(b.idle)}): after each burst every instance waits ` +
        `idle_time=${formatDurationMs(s.idleTimeMs)} before it is removed, and with capacity_per_instance=${s.capacityPerInstance} ` +
        `a burst of N parallel jobs starts ~N/${s.capacityPerInstance} instance(s) (${r.launches} launches for ${r.jobs} jobs)`,
    );
    if (s.idleCount > 0)
      out.push(`idle_count=${s.idleCount} keeps warm slots paid for around the clock`);
    out.push(
      'levers: a shorter idle_time, a larger capacity_per_instance, or a cheaper type; compare them with --sweep',
    );
  } else {
    out.push(
      `below the expected ${usd(band.lowUsd)}–${usd(band.highUsd)}/month (${band.label}): ` +
        `the replay bills ${h(b.total)} of VM time a month, less than the band assumed at ${perHour(price)}`,
    );
  }
  return out;
}

export function explainCost(r: PlanResult, band?: CostBand): string[] {
  const b = vmHourBreakdown(r);
  const pct = (x: number): string => (b.total > 0 ? `${Math.round((x / b.total) * 100)}%` : '0%');
  const lines = [
    `billed VM time per month ${h(b.total)} = busy ${h(b.busy)} (${pct(b.busy)}) + booting ${h(b.boot)} (${pct(b.boot)}) + ` +
      `idle ${h(b.idle)} (${pct(b.idle)}) + 60-s minimum billing ${h(b.minimum)} (${pct(b.minimum)})`,
  ];
  if (r.failedJobs > 0) {
    lines.push(`${r.failedJobs} job(s) did not finish (acquire timeout or reruns exhausted)`);
  }
  if (!band) return lines;
  const price =
    r.settings.lifecycle === 'spot' ? r.price.spotPerHourUsd : r.price.onDemandPerHourUsd;
  if (r.costPerMonthUsd >= band.lowUsd && r.costPerMonthUsd <= band.highUsd) {
    lines.push(
      `within the expected ${usd(band.lowUsd)}–${usd(band.highUsd)}/month (${band.label})`,
    );
    return lines;
  }
  return [...lines, ...outsideBand(r, band, b, price)];
}

/** `2-5` or `2..5` (USD per month) → a band. */
export function parseCostBand(text: string, label = 'expected'): CostBand | undefined {
  const m = /^\s*\$?(\d+(?:\.\d+)?)\s*(?:-|–|\.\.)\s*\$?(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!m) return undefined;
  const lowUsd = Number(m[1]);
  const highUsd = Number(m[2]);
  return lowUsd <= highUsd ? { lowUsd, highUsd, label } : undefined;
}
