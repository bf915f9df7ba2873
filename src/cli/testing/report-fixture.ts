/**
 * A recorded history for `spotrunner report` tests: six jobs of runner "test" two hours apart,
 * each on its own t4g.medium on-demand instance that booted 90 s, ran the job (10, 15, … 35 min)
 * and idled 5 min; GitLab's queue held each 2 s. Written through the manager's history log.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedJob } from '../../runner/job-recorder.js';
import type { RecordedInstance } from '../../manager/history/instance-tracker.js';
import {
  recordedInstance,
  writeRecordedHistory,
} from '../../manager/history/testing/recorded-fixtures.js';
import { planToml, type FleetToml } from '../../plan/testing/plan-fixtures.js';
import { recordedJob, T0 } from '../../runner/testing/recorded-job.js';
import { createProgram } from '../program.js';
import { captureCli } from '../testing/capture-cli.js';
import { registerReportCommand } from '../commands/report.js';

export const JOBS = 6;
export const BOOT_S = 90;
export const PICKUP_S = 2;
export const IDLE_S = 300;
const MIN = 60_000;

export const runMinutes = (k: number): number => 10 + 5 * k;

export function fixtureRecords(
  project = (k: number) => `g/app-${k % 2}`,
): Array<RecordedJob | RecordedInstance> {
  const out: Array<RecordedJob | RecordedInstance> = [];
  for (let k = 0; k < JOBS; k++) {
    const received = T0 + k * 120 * MIN;
    const start = received + BOOT_S * 1000;
    const end = start + runMinutes(k) * MIN;
    const instanceId = `i-${k}`;
    out.push(
      recordedJob({
        jobId: k + 1,
        runner: 'test',
        project: project(k),
        tags: [],
        queuedAtMs: received - PICKUP_S * 1000,
        pickupMs: PICKUP_S * 1000,
        receivedAtMs: received,
        instanceWaitMs: BOOT_S * 1000,
        coldStartMs: BOOT_S * 1000,
        startedAtMs: start,
        finishedAtMs: end,
        instanceId,
        instanceType: 't4g.medium',
        lifecycle: 'on-demand',
      }),
      recordedInstance({
        runner: 'test',
        instanceId,
        lifecycle: 'on-demand',
        launchedAtMs: received,
        readyAtMs: start,
        removedAtMs: end + IDLE_S * 1000,
        billedS: BOOT_S + runMinutes(k) * 60 + IDLE_S,
        bootS: BOOT_S,
        busyS: runMinutes(k) * 60,
        idleS: IDLE_S,
        jobs: 1,
      }),
    );
  }
  return out;
}

export interface Fixture {
  dir: string;
  stateDir: string;
  config: string;
  cleanup(): Promise<void>;
}

/** A state dir with the fixture's history and a config.toml of runner "test". */
export async function makeFixture(
  records = fixtureRecords(),
  fleet: FleetToml = { idleTime: '5m' },
): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'report-cli-'));
  const stateDir = join(dir, 'state');
  writeRecordedHistory(join(stateDir, 'history'), records);
  const config = join(dir, 'config.toml');
  await writeFile(config, planToml(fleet));
  return { dir, stateDir, config, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Runs `spotrunner report …` in-process; what it printed. */
export async function runReport(args: string[], cwd = '/'): Promise<{ out: string; err: string }> {
  const cli = captureCli({ cwd });
  await createProgram(cli.ctx, [registerReportCommand]).parseAsync([
    'node',
    'spotrunner',
    'report',
    ...args,
  ]);
  return { out: cli.out(), err: cli.err() };
}
