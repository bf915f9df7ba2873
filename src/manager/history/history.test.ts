import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import { silentLogger } from '../../platform/logger.js';
import type { FleetInstanceView } from '../../fleet/fleet.js';
import { fleetInstance, managerStatus } from '../testing/manager-status.js';
import { historyFiles, openHistoryLog } from './history-log.js';
import type { RecordedJob } from '../../runner/job-recorder.js';
import { createHistory, type HistoryEvent } from './history-part.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'history-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function readAll(dir: string): Array<Record<string, unknown>> {
  return historyFiles(dir).flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
}

describe('history log', () => {
  it('rotates by size, keeps a bounded number of files, and reads back in write order', () => {
    const dir = tempDir();
    const log = openHistoryLog({ dir, maxBytes: 200, keep: 3 });
    for (let n = 0; n < 40; n++) log.append({ kind: 'job', n, pad: 'x'.repeat(20) });
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['history.1.jsonl', 'history.2.jsonl', 'history.jsonl']);
    const ns = readAll(dir).map((r) => r.n as number);
    expect(ns.at(-1)).toBe(39);
    expect(ns).toEqual([...ns].sort((a, b) => a - b));
    expect(ns.length).toBeLessThan(40);
    // A reopened log (manager restart) appends to the same file and keeps rotating.
    const again = openHistoryLog({ dir, maxBytes: 200, keep: 3 });
    again.append({ kind: 'job', n: 40 });
    expect(
      readAll(dir)
        .map((r) => r.n as number)
        .at(-1),
    ).toBe(40);
  });
});

function ran(t0: number, instanceId: string, fromMs: number, toMs: number): RecordedJob {
  return {
    kind: 'job',
    jobId: fromMs,
    runner: 'spot',
    name: 'build',
    project: 'g/app',
    tags: [],
    receivedAtMs: t0 + fromMs,
    startedAtMs: t0 + fromMs,
    finishedAtMs: t0 + toMs,
    instanceId,
    runs: [{ instanceId, startedAtMs: t0 + fromMs, endedAtMs: t0 + toMs }],
    reruns: 0,
    interruptions: 0,
    result: 'success',
  };
}

describe('history part', () => {
  it('records each instance with billed, boot, busy and idle seconds once it is gone', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5));
    const t0 = clock.now();
    const dir = tempDir();
    const history = createHistory({ clock, logger: silentLogger }, openHistoryLog({ dir }), 1_000);
    const events: HistoryEvent[] = [];
    history.subscribe((e) => events.push(e));
    let instances: FleetInstanceView[] = [];
    const manager = { status: () => managerStatus(instances) };
    const part = history.part(manager);
    await part.start();
    const base = {
      id: 'i-1',
      launchedAtMs: t0,
      instanceType: 'c7g.large',
      lifecycle: 'spot' as const,
    };
    instances = [fleetInstance({ ...base, status: 'creating', providerState: 'creating' })];
    await clock.advance(20_000);
    // Running from the cloud's side at 20 s (seen by the poll at 21 s), ready-up done at 30 s.
    instances = [fleetInstance({ ...base, status: 'readying', providerState: 'running' })];
    await clock.advance(10_000);
    instances = [fleetInstance({ ...base, readyAtMs: t0 + 30_000, slotsInUse: 1, useCount: 1 })];
    await clock.advance(60_000);
    // Two jobs at once on it (its capacity is 2): 30 s..90 s and 40 s..70 s, busy 60 s.
    history.recorder.jobFinished(ran(t0, 'i-1', 40_000, 70_000));
    history.recorder.jobFinished(ran(t0, 'i-1', 30_000, 90_000));
    instances = [fleetInstance({ ...base, readyAtMs: t0 + 30_000, useCount: 1 })];
    await clock.advance(20_000);
    instances = [];
    await clock.advance(1_000);
    await part.stop({ graceMs: 0 });
    const recorded = readAll(dir).filter((r) => r.kind === 'instance');
    expect(recorded).toEqual([
      {
        kind: 'instance',
        runner: 'spot',
        instanceId: 'i-1',
        instanceType: 'c7g.large',
        lifecycle: 'spot',
        launchedAtMs: t0,
        readyAtMs: t0 + 30_000,
        removedAtMs: t0 + 111_000,
        billedS: 111,
        bootS: 30,
        readyUpS: 9,
        busyS: 60,
        idleS: 21,
        interrupted: false,
        jobs: 1,
      },
    ]);
    expect(events.filter((e) => e.kind === 'ready')).toEqual([
      { kind: 'ready', runner: 'spot', readyMs: 30_000, bootMs: 21_000, readyUpMs: 9_000 },
    ]);
  });

  it('writes instances still there at stop as open records, busy from jobs shorter than a poll', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5));
    const dir = tempDir();
    const history = createHistory({ clock, logger: silentLogger }, openHistoryLog({ dir }), 1_000);
    const instances = [
      fleetInstance({ id: 'i-9', launchedAtMs: clock.now(), readyAtMs: clock.now() }),
    ];
    const part = history.part({ status: () => managerStatus(instances) });
    await part.start();
    await clock.advance(10_000);
    // A job shorter than a poll, on an instance launched and used between two polls.
    history.recorder.jobFinished(ran(clock.now(), 'i-8', 100, 600));
    instances.push(
      fleetInstance({ id: 'i-8', launchedAtMs: clock.now(), readyAtMs: clock.now() + 50 }),
    );
    await clock.advance(1_000);
    await part.stop({ graceMs: 0 });
    const [, rec, short] = readAll(dir);
    expect(rec).toMatchObject({ instanceId: 'i-9', billedS: 11, idleS: 11, busyS: 0 });
    expect(rec).not.toHaveProperty('removedAtMs');
    expect(short).toMatchObject({ instanceId: 'i-8', billedS: 1, bootS: 0.05, busyS: 0.5 });
  });
});
