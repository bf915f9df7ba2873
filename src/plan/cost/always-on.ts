/**
 * What the same load would cost on instances that never scale: enough instances to run the
 * observed peak number of concurrent jobs (`ceil(peak / capacity_per_instance)`, at least one,
 * at most `max_instances`), running all 730 hours of a month, priced on-demand and on spot.
 * Peak rather than a percentile because an always-on fleet smaller than the peak would make jobs
 * queue, which the autoscaled plan does not do (up to max_instances).
 */
import { HOURS_PER_MONTH } from './projection.js';

export interface AlwaysOnInput {
  peakConcurrentJobs: number;
  capacityPerInstance: number;
  /** 0 = no cap. */
  maxInstances: number;
  onDemandPerHourUsd: number;
  spotPerHourUsd: number;
}

export interface AlwaysOnCost {
  instances: number;
  basis: string;
  onDemandPerMonthUsd: number;
  spotPerMonthUsd: number;
}

export function alwaysOnCost(input: AlwaysOnInput): AlwaysOnCost {
  const capacity = Math.max(1, input.capacityPerInstance);
  let instances = Math.max(1, Math.ceil(input.peakConcurrentJobs / capacity));
  if (input.maxInstances > 0) instances = Math.min(instances, input.maxInstances);
  return {
    instances,
    basis:
      `${instances} instance(s) = peak ${input.peakConcurrentJobs} concurrent job(s) / ` +
      `${capacity} per instance, ${HOURS_PER_MONTH} h/month`,
    onDemandPerMonthUsd: instances * HOURS_PER_MONTH * input.onDemandPerHourUsd,
    spotPerMonthUsd: instances * HOURS_PER_MONTH * input.spotPerHourUsd,
  };
}
