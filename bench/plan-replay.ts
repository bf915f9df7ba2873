/**
 * `spotrunner plan` end to end on synthetic history: generate, replay through the fleet engine
 * on a VirtualClock with the sim provider, build the result. Target: 1,000,000 jobs in ≤30 s on
 * 2 cores. Prints wall and CPU time (the CPU figure stays meaningful on a shared machine, the
 * load average says how shared it was) and peak memory. Nothing asserts on these.
 */
import { loadavg } from 'node:os';
import { parseConfig } from '../src/config/index.js';
import {
  generateSyntheticHistory,
  parseSyntheticSpec,
  bundledPriceTable,
  runPlan,
} from '../src/plan/index.js';
import type { BenchResult } from './bench-types.js';

const CONFIG = `
concurrent = 50
[[runners]]
name = "bench"
url = "https://gitlab.example.com"
token = "glrt-bench"
executor = "docker-autoscaler"
[runners.autoscaler]
plugin = "aws"
capacity_per_instance = 2
max_instances = 50
[runners.autoscaler.plugin_config]
name = "bench-asg"
region = "us-east-1"
[[runners.autoscaler.policy]]
idle_count = 0
idle_time = "10m"
[runners.spotrunner]
instance_type = "t4g.large"
`;

async function benchJobs(jobs: number, days: number, targetMs?: number): Promise<BenchResult> {
  const { config } = parseConfig(CONFIG, 'bench.toml', {});
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Seed 002's ratio: ~62 s of job time per job, spiky working-hours shape.
  const spec = `jobs=${jobs},cpu-hours=${Math.round((jobs * 62) / 3600)},days=${days},spiky=true,seed=7`;
  const history = generateSyntheticHistory(parseSyntheticSpec(spec));
  const generatedMs = performance.now() - t0;
  const result = await runPlan({ config, history, prices: bundledPriceTable() });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const mem = process.memoryUsage();
  return {
    name: `plan replay, ${jobs.toLocaleString('en-US')} synthetic jobs over ${days} days`,
    target: targetMs === undefined ? undefined : `≤${targetMs / 1000} s end to end on 2 cores`,
    ok: targetMs === undefined ? undefined : wallMs <= targetMs,
    figures: {
      'wall ms (generate + replay)': Math.round(wallMs),
      'generate ms': Math.round(generatedMs),
      'replay ms': Math.round(result.replayWallMs),
      'cpu ms (user+system)': Math.round((cpu.user + cpu.system) / 1000),
      'jobs per wall second': Math.round(jobs / (wallMs / 1000)),
      'peak rss MB (process)': Math.round(process.resourceUsage().maxRSS / 1024),
      'heap used MB (end)': Math.round(mem.heapUsed / 1048576),
      'instance launches': result.launches,
      'p95 wait s': Math.round(result.waitSeconds.p95),
      'cost per month USD': Number(result.costPerMonthUsd.toFixed(2)),
      'machine load average (1 min)': Number(loadavg()[0]!.toFixed(1)),
    },
  };
}

/** The quick variant: 100,000 jobs over 37 days. */
export async function benchPlanReplayQuick(): Promise<BenchResult> {
  return benchJobs(100_000, 37);
}

/** 1,000,000 jobs over a year, end to end. */
export async function benchPlanReplay(): Promise<BenchResult> {
  return benchJobs(1_000_000, 365, 30_000);
}
