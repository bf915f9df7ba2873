/**
 * Turns a compiled config, flags and sweep overrides into what one replay needs: the runner
 * entry, the fleet options (taken from `[runners.autoscaler]` as they are, so the engine sees
 * what `spotrunner run` would give it), the instance type and its prices, and the runner model.
 */
import type { CompiledConfig, CompiledRunner } from '../../config/types.js';
import type { FleetOptions, FleetPolicy } from '../../fleet/index.js';
import { UserError } from '../../platform/errors.js';
import { whyPolicyCannotServe } from '../../config/policy-rules.js';
import type { SimBootTime } from '../../providers/sim/sim-options.js';
import {
  DEFAULT_REGION,
  defaultInstanceType,
  lookupInstancePrice,
  type InstancePrice,
  type PriceTable,
} from '../prices/price-table.js';
import type { PlanLifecycle, PlanSettings } from './plan-result.js';

/** Values a sweep (or a flag) puts over the config. */
export interface PlanOverrides {
  idleTimeMs?: number;
  idleCount?: number;
  capacityPerInstance?: number;
  maxInstances?: number;
  instanceType?: string;
  /** preemptive_mode for every policy; default: idle_count > 0 when idle_count is overridden. */
  preemptiveMode?: boolean;
}

export interface PlanFlags {
  runner?: string;
  instanceType?: string;
  region?: string;
  lifecycle?: PlanLifecycle;
  seed?: number;
  bootMedianMs?: number;
  /** Spread of boot times (sigma of the log-normal; default 0.25, 0 = always the median). */
  bootSigma?: number;
  /** Spot interruptions per instance-hour in the simulated cloud. */
  interruptionsPerInstanceHour?: number;
}

export interface PlanSetup {
  runner: CompiledRunner;
  settings: PlanSettings;
  fleet: FleetOptions;
  price: InstancePrice;
  bootTime: SimBootTime;
  maxConcurrent: number;
  interruptionMode: 'rerun' | 'fail';
  maxReruns: number;
}

export const DEFAULT_BOOT_MEDIAN_MS = 60_000;
export const DEFAULT_INTERRUPTIONS_PER_INSTANCE_HOUR = 0.01;

function pickRunner(config: CompiledConfig, name: string | undefined): CompiledRunner {
  const runners = config.runners;
  if (runners.length === 0) throw new UserError(`${config.file}: no [[runners]] entry to plan for`);
  const runner = name === undefined ? runners[0]! : runners.find((r) => r.name === name);
  if (!runner) {
    throw new UserError(
      `--runner ${name ?? ''}: no such runner in ${config.file} (runners: ${runners.map((r) => r.name).join(', ')})`,
    );
  }
  if (!runner.autoscaler) {
    throw new UserError(
      `runner "${runner.name}" has no [runners.autoscaler] section: plan replays an autoscaled fleet`,
    );
  }
  return runner;
}

function applyPolicyOverrides(policies: readonly FleetPolicy[], o: PlanOverrides): FleetPolicy[] {
  return policies.map((p) => {
    const next: FleetPolicy = { ...p };
    if (o.idleTimeMs !== undefined) next.idleTimeMs = o.idleTimeMs;
    if (o.idleCount !== undefined) {
      next.idleCount = o.idleCount;
      next.preemptiveMode = o.idleCount > 0;
    }
    if (o.preemptiveMode !== undefined) next.preemptiveMode = o.preemptiveMode;
    return next;
  });
}

/** Why one of these policies can never serve a job (so a replay would show $0 and no wait). */
function unservedPolicy(policies: readonly FleetPolicy[]): string | undefined {
  for (const [i, p] of policies.entries()) {
    const why = whyPolicyCannotServe(p);
    if (why !== undefined) return policies.length > 1 ? `policy ${i + 1}: ${why}` : why;
  }
  return undefined;
}

/**
 * Why the runner's policies with these overrides can never serve a job, or undefined: a sweep
 * leaves such settings out, a single plan refuses them.
 */
export function whyPlanCannotServe(
  config: CompiledConfig,
  flags: PlanFlags,
  overrides: PlanOverrides = {},
): string | undefined {
  const { runner } = resolvePlanTarget(config, flags, overrides);
  return unservedPolicy(applyPolicyOverrides(runner.fleet.policies, overrides));
}

function regionOf(runner: CompiledRunner, flag: string | undefined): string {
  const p = runner.autoscaler?.provider;
  const fromPlugin =
    p?.kind === 'aws' ? p.aws.region : p?.kind === 'sim' ? p.sim.region : undefined;
  return flag ?? fromPlugin ?? DEFAULT_REGION;
}

/**
 * The runner entry, region and instance type a plan uses: `--runner` or the first entry;
 * `--region` or `plugin_config.region` or us-east-1; a sweep's type, `--instance-type`,
 * `[runners.spotrunner] instance_type`, or the default for `connector_config.arch` (arm64 unless
 * amd64 is named).
 */
export function resolvePlanTarget(
  config: CompiledConfig,
  flags: PlanFlags,
  overrides: PlanOverrides = {},
): { runner: CompiledRunner; region: string; instanceType: string } {
  const runner = pickRunner(config, flags.runner);
  const a = runner.autoscaler!;
  const instanceType =
    overrides.instanceType ??
    flags.instanceType ??
    runner.spotrunner.instanceType ??
    defaultInstanceType(a.connector.arch === 'amd64' ? 'amd64' : 'arm64');
  return { runner, region: regionOf(runner, flags.region), instanceType };
}

export function resolvePlanSetup(
  config: CompiledConfig,
  prices: PriceTable,
  flags: PlanFlags,
  overrides: PlanOverrides = {},
): PlanSetup {
  const { runner, region, instanceType } = resolvePlanTarget(config, flags, overrides);
  const a = runner.autoscaler!;
  const price = lookupInstancePrice(prices, instanceType, region);
  const policies = applyPolicyOverrides(runner.fleet.policies, overrides);
  const unserved = unservedPolicy(policies);
  if (unserved !== undefined) throw new UserError(`runner "${runner.name}": ${unserved}`);
  const fleet: FleetOptions = {
    ...runner.fleet,
    capacityPerInstance: overrides.capacityPerInstance ?? runner.fleet.capacityPerInstance,
    maxInstances: overrides.maxInstances ?? runner.fleet.maxInstances,
    policies,
    preexistingInstances: 'remove',
  };
  const limit = runner.limit > 0 ? runner.limit : Number.POSITIVE_INFINITY;
  const maxConcurrent = Math.min(config.concurrent > 0 ? config.concurrent : 1, limit);
  const first = policies[0]!;
  const bootMedianMs = flags.bootMedianMs ?? DEFAULT_BOOT_MEDIAN_MS;
  const lifecycle = flags.lifecycle ?? 'spot';
  const settings: PlanSettings = {
    runner: runner.name,
    instanceType,
    region,
    lifecycle,
    capacityPerInstance: fleet.capacityPerInstance,
    maxInstances: fleet.maxInstances,
    maxUseCount: a.maxUseCount,
    idleCount: first.idleCount,
    idleTimeMs: first.idleTimeMs,
    preemptiveMode: first.preemptiveMode,
    concurrent: config.concurrent,
    limit: runner.limit,
    checkIntervalMs: config.checkIntervalMs,
    bootMedianMs,
    interruptionsPerInstanceHour:
      lifecycle === 'spot'
        ? (flags.interruptionsPerInstanceHour ?? DEFAULT_INTERRUPTIONS_PER_INSTANCE_HOUR)
        : 0,
    seed: flags.seed ?? 1,
  };
  return {
    runner,
    settings,
    fleet,
    price,
    bootTime: {
      medianMs: bootMedianMs,
      sigma: flags.bootSigma ?? 0.25,
      minMs: Math.min(30_000, bootMedianMs),
    },
    maxConcurrent,
    interruptionMode: runner.spotrunner.interruptionMode,
    maxReruns: runner.spotrunner.maxReruns,
  };
}
