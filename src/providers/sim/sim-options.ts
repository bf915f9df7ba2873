/** Options of the simulated cloud: instance types and prices, boot times, interruptions, capacity. */

export interface SimInstanceType {
  name: string;
  vcpu: number;
  memoryGiB: number;
  arch: 'amd64' | 'arm64';
  spotPricePerHourUsd: number;
  onDemandPricePerHourUsd: number;
  /** Relative share of launches (default 1). */
  weight?: number;
}

export interface SimBootTime {
  /** Median of the log-normal distribution. */
  medianMs: number;
  /** Spread (sigma of the underlying normal); 0 = always the median. */
  sigma: number;
  /** Lower bound. */
  minMs: number;
}

/** A scripted window (relative to the sim's creation time) in which launches fall short. */
export interface SimCapacityOutage {
  fromMs: number;
  toMs: number;
  /** Instances one increase() may still launch during the window (default 0). */
  available?: number;
}

export interface SimProviderOptions {
  /** Seeds every random stream; the same seed and calls give the same run. */
  seed?: number;
  /** ProviderInfo.id (default `sim/<seed>`). */
  id?: string;
  /** Most instances listed at once (default 1000, like fleeting-plugin-aws). */
  maxSize?: number;
  instanceTypes?: readonly SimInstanceType[];
  /** Share of launches that are spot (default 1 = all spot; 0 = all on-demand). */
  spotFraction?: number;
  bootTime?: Partial<SimBootTime>;
  /** Spot interruptions per spot instance-hour (default 0). */
  interruptionsPerInstanceHour?: number;
  /** Warning before an interrupted instance vanishes (default 2 minutes, as EC2). */
  interruptionNoticeMs?: number;
  /**
   * Interruptions at set times: the `launch`-th instance launched (1-based) gets its termination
   * notice at `atMs` after the sim's creation (at once if it launches later). Any lifecycle.
   */
  scriptedInterruptions?: readonly { launch: number; atMs: number }[];
  /** If > 0, a rebalance recommendation precedes the termination notice by this much. */
  rebalanceLeadMs?: number;
  /** Chance that one increase() launches fewer than asked (default 0). */
  capacityErrorProbability?: number;
  capacityOutages?: readonly SimCapacityOutage[];
  /** How long a removed instance stays listed as deleting (default 10 s). */
  deleteDelayMs?: number;
  /** Keep one billing record per instance (default true); totals are always kept. */
  recordInstances?: boolean;
}

export const DEFAULT_SIM_INSTANCE_TYPE: SimInstanceType = Object.freeze({
  name: 'm7i.large',
  vcpu: 2,
  memoryGiB: 8,
  arch: 'amd64',
  spotPricePerHourUsd: 0.0404,
  onDemandPricePerHourUsd: 0.1008,
});

export interface ResolvedSimOptions {
  seed: number;
  id: string;
  maxSize: number;
  instanceTypes: readonly SimInstanceType[];
  spotFraction: number;
  bootTime: SimBootTime;
  interruptionsPerInstanceHour: number;
  interruptionNoticeMs: number;
  rebalanceLeadMs: number;
  scriptedInterruptions: readonly { launch: number; atMs: number }[];
  capacityErrorProbability: number;
  capacityOutages: readonly SimCapacityOutage[];
  deleteDelayMs: number;
  recordInstances: boolean;
}

export function resolveSimOptions(o: SimProviderOptions): ResolvedSimOptions {
  const seed = o.seed ?? 1;
  const types =
    o.instanceTypes && o.instanceTypes.length > 0 ? o.instanceTypes : [DEFAULT_SIM_INSTANCE_TYPE];
  return {
    seed,
    id: o.id ?? `sim/${seed}`,
    maxSize: o.maxSize ?? 1000,
    instanceTypes: types,
    spotFraction: Math.min(1, Math.max(0, o.spotFraction ?? 1)),
    bootTime: {
      medianMs: o.bootTime?.medianMs ?? 60_000,
      sigma: o.bootTime?.sigma ?? 0.25,
      minMs: o.bootTime?.minMs ?? 20_000,
    },
    interruptionsPerInstanceHour: Math.max(0, o.interruptionsPerInstanceHour ?? 0),
    interruptionNoticeMs: o.interruptionNoticeMs ?? 120_000,
    rebalanceLeadMs: Math.max(0, o.rebalanceLeadMs ?? 0),
    scriptedInterruptions: o.scriptedInterruptions ?? [],
    capacityErrorProbability: Math.min(1, Math.max(0, o.capacityErrorProbability ?? 0)),
    capacityOutages: o.capacityOutages ?? [],
    deleteDelayMs: Math.max(0, o.deleteDelayMs ?? 10_000),
    recordInstances: o.recordInstances ?? true,
  };
}
