/**
 * The manager on the embedded sandbox with a local fleet records what it ran: the jobs and the
 * instances land in <state>/history, /metrics has the job histograms, and `spotrunner report`
 * adds up to the recorded instance seconds and exports CSV that the planner reads back.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCli } from '../../src/cli/testing/capture-cli.js';
import { registerReportCommand } from '../../src/cli/commands/report.js';
import { createProgram } from '../../src/cli/program.js';
import type { HistoryReport } from '../../src/manager/history/history-report.js';
import { readRecordedHistory } from '../../src/manager/history/read-history.js';
import { readHistoryFile } from '../../src/plan/history/read-history-file.js';
import { OBSERVED_FLEET } from './e2e-config.js';
import { useE2e } from './use-e2e.js';

const e2e = useE2e();

async function report(args: string[]): Promise<string> {
  const cli = captureCli();
  await createProgram(cli.ctx, [registerReportCommand]).parseAsync(['node', 'spotrunner', ...args]);
  return cli.out();
}

describe('recorded history and spotrunner report', () => {
  it('records jobs and instances, serves the histograms, and reports what was recorded', async () => {
    const h = await e2e.start({ config: OBSERVED_FLEET });
    const stateDir = join(h.dataDir, 'state');
    const historyDir = join(stateDir, 'history');
    const project = await h.createProject('two-jobs');
    const pipeline = await h.runPipeline(project.id);
    expect(pipeline.jobs.every((j) => j.status === 'success')).toBe(true);
    await h.waitFor('the fleet to scale back to zero', () => h.instances().length === 0, 20_000);
    const granted = (): number =>
      h.started.manager.status().runners[0]?.fleet?.counters?.['instancesGranted'] ?? 0;
    let recorded = await readRecordedHistory(historyDir);
    for (let i = 0; i < 50 && recorded.instances.length < granted(); i++) {
      await new Promise((r) => setTimeout(r, 200));
      recorded = await readRecordedHistory(historyDir);
    }
    expect(granted()).toBeGreaterThan(0);
    expect(recorded.instances).toHaveLength(granted());
    expect(recorded.jobs.map((j) => j.name).sort()).toEqual(['first', 'second']);
    for (const job of recorded.jobs) {
      expect(job).toMatchObject({ result: 'success', project: project.path, reruns: 0 });
      expect(job.instanceId).toMatch(/^local-/);
      expect(job.startedAtMs).toBeGreaterThanOrEqual(job.receivedAtMs);
      expect(job.pickupMs).toBeGreaterThanOrEqual(0);
      // idle_count 0: every job waited for its instance to boot and ready up.
      expect(job.coldStartMs).toBeGreaterThanOrEqual(0);
      expect(job.coldStartMs).toBeLessThanOrEqual(job.instanceWaitMs!);
      // Split at the time the fleet saw the instance running: the cloud's part, then ours.
      expect(job.bootMs! + job.readyUpMs!).toBe(job.coldStartMs);
      expect(job.readyUpMs).toBeGreaterThan(0);
    }
    for (const inst of recorded.instances) {
      expect(inst.removedAtMs).toBeDefined();
      expect(inst.billedS).toBeCloseTo(inst.bootS + inst.busyS + inst.idleS, 6);
    }
    // Never a token: not the runner's, not a job's.
    const raw = await readFile(join(historyDir, 'history.jsonl'), 'utf8');
    expect(raw).not.toContain(h.runner.token);
    expect(raw).not.toMatch(/"token"/);

    const metrics = await (await fetch(`${h.statusUrl()}/metrics`)).text();
    const runner = h.config.runners[0]!.name;
    expect(metrics).toContain(`gitlab_runner_job_duration_seconds_count{runner="${runner}"} 2`);
    expect(metrics).toContain(
      `gitlab_runner_job_queue_duration_seconds_count{runner="${runner}"} 2`,
    );
    expect(metrics).toContain(`spotrunner_job_instance_wait_seconds_count{runner="${runner}"} 2`);
    expect(metrics).toMatch(/^gitlab_runner_jobs\{runner="[^"]+",system_id="[^"]+"\} 0$/m);
    expect(metrics).toContain(
      `spotrunner_instance_ready_seconds_count{runner="${runner}"} ${granted()}`,
    );
    expect(metrics).toContain(
      `spotrunner_instance_boot_seconds_count{runner="${runner}"} ${granted()}`,
    );

    const csvFile = join(h.dataDir, 'recorded.csv');
    const json = await report(['report', '--state-dir', stateDir, '--json', '--csv', csvFile]);
    const r = JSON.parse(json) as HistoryReport;
    const sum = (f: (i: (typeof recorded.instances)[number]) => number): number =>
      recorded.instances.reduce((s, i) => s + f(i), 0) / 3600;
    expect(r.instances).toBe(granted());
    expect(r.hours.billed).toBeCloseTo(
      sum((i) => i.billedS),
      5,
    );
    expect(r.hours.busy).toBeCloseTo(
      sum((i) => i.busyS),
      5,
    );
    expect(r.hours.idle).toBeCloseTo(
      sum((i) => i.idleS),
      5,
    );
    expect(r.hours.boot).toBeCloseTo(
      sum((i) => i.bootS),
      5,
    );
    expect(r.hours.busy).toBeGreaterThan(0);
    // Local instances have no price: their hours are reported as unpriced, not as $0 of a type.
    expect(r.costUsd).toBe(0);
    expect(r.unpricedHours).toBeCloseTo(r.hours.billed, 5);
    expect(r.jobs.count).toBe(2);
    expect(r.byProject.map((p) => [p.project, p.jobs])).toEqual([[project.path, 2]]);
    expect(r.byJob.map((j) => [j.name, j.costUsd]).sort()).toEqual([
      ['first', 0],
      ['second', 0],
    ]);

    const csv = await readHistoryFile(csvFile, {});
    expect(csv.jobs.map((j) => j.project)).toEqual([project.path, project.path]);
    const ran = recorded.jobs.map((j) => (j.finishedAtMs - j.startedAtMs!) / 1000).sort();
    expect(csv.jobs.map((j) => j.durationMs / 1000).sort()).toEqual(
      ran.map((s) => Math.round(s * 1000) / 1000),
    );
  });
});
