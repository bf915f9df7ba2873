/**
 * `spotrunner report` on a full-size recorded history: five files of 8 MiB (the manager's
 * rotation limit) of job and instance lines like the manager writes, read back and added up
 * (readRecordedHistory + buildReport) in a child process so its peak RSS is the report's own.
 * Figures only: read and report time, peak RSS, heap held after reading.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { recordedInstance } from '../src/manager/history/testing/recorded-fixtures.js';
import { recordedJob, T0 } from '../src/runner/testing/recorded-job.js';
import type { BenchResult } from './bench-types.js';

const FILES = 5;
const FILE_BYTES = 8 * 1024 * 1024;
const MIN = 60_000;
const PROJECTS = Array.from({ length: 40 }, (_, i) => `group-${i % 7}/service-${i}`);
const NAMES = ['build', 'test:unit', 'test:integration', 'lint', 'deploy:staging', 'package'];
const TYPES = ['t4g.medium', 't4g.large', 'c7g.large', 'm7g.large'];

/** The n-th line: three jobs on an instance (capacity 2, a rerun now and then), then the instance. */
function line(n: number): string {
  const slot = Math.floor(n / 4);
  const at = T0 + slot * 3 * MIN;
  const instanceId = `i-0${(0x1000000 + slot).toString(16)}abcdef`;
  if (n % 4 === 3) {
    return JSON.stringify(
      recordedInstance({
        runner: 'aws-spot',
        instanceId,
        instanceType: TYPES[slot % TYPES.length],
        launchedAtMs: at,
        readyAtMs: at + 75_000,
        removedAtMs: at + 40 * MIN,
        billedS: 2400,
        bootS: 75,
        readyUpS: 6,
        busyS: 1500,
        idleS: 825,
        interrupted: slot % 97 === 0,
        removalReason: 'idle',
        jobs: 3,
      }),
    );
  }
  const start = at + 80_000 + (n % 4) * 4 * MIN;
  const rerun = n % 53 === 0;
  return JSON.stringify(
    recordedJob({
      jobId: 9_000_000 + n,
      runner: 'aws-spot',
      name: NAMES[n % NAMES.length]!,
      project: PROJECTS[n % PROJECTS.length]!,
      tags: [],
      queuedAtMs: at - 1_500,
      pickupMs: 1_500,
      receivedAtMs: at,
      instanceWaitMs: 80_000,
      coldStartMs: 75_000,
      startedAtMs: start,
      finishedAtMs: start + 8 * MIN,
      instanceId,
      instanceType: TYPES[slot % TYPES.length],
      lifecycle: 'spot',
      reruns: rerun ? 1 : 0,
      interruptions: rerun ? 1 : 0,
      ...(rerun
        ? {
            runs: [
              {
                instanceId: `${instanceId}x`,
                startedAtMs: start - 5 * MIN,
                endedAtMs: start - MIN,
              },
              { instanceId, startedAtMs: start, endedAtMs: start + 8 * MIN },
            ],
          }
        : {}),
    }),
  );
}

/** Writes history.4.jsonl (oldest) … history.jsonl, each just under 8 MiB; the line count. */
export async function writeHistory(dir: string): Promise<number> {
  let n = 0;
  for (let f = FILES - 1; f >= 0; f--) {
    const parts: string[] = [];
    let bytes = 0;
    for (;;) {
      const text = `${line(n)}\n`;
      if (bytes + text.length > FILE_BYTES) break;
      parts.push(text);
      bytes += text.length;
      n++;
    }
    await writeFile(join(dir, f === 0 ? 'history.jsonl' : `history.${f}.jsonl`), parts.join(''));
  }
  return n;
}

interface ChildFigures {
  readMs: number;
  reportMs: number;
  readCpuMs: number;
  reportCpuMs: number;
  jobs: number;
  instances: number;
  skipped: number;
  baseRssMb: number;
  peakRssMb: number;
  heapAfterReadMb: number;
  heapEndMb: number;
}

export async function benchReportHistory(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-history-'));
  try {
    const lines = await writeHistory(dir);
    const child = join(
      dirname(fileURLToPath(import.meta.url)),
      'support',
      'report-history-child.ts',
    );
    const t0 = performance.now();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', child, dir],
      {
        maxBuffer: 1 << 20,
        cwd: join(dirname(fileURLToPath(import.meta.url)), '..'),
      },
    );
    const wallMs = performance.now() - t0;
    const f = JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildFigures;
    return {
      name: `report on a full history: ${FILES} files × 8 MiB, ${lines.toLocaleString('en-US')} lines`,
      figures: {
        'read ms (readRecordedHistory)': Math.round(f.readMs),
        'report ms (buildReport)': Math.round(f.reportMs),
        'read cpu ms (user+system)': Math.round(f.readCpuMs),
        'report cpu ms (user+system)': Math.round(f.reportCpuMs),
        'machine load average (1 min)': Number(loadavg()[0]!.toFixed(1)),
        'child process wall ms (incl. startup)': Math.round(wallMs),
        'jobs / instances read': `${f.jobs} / ${f.instances}`,
        'lines skipped': f.skipped,
        'peak rss MB (child)': Math.round(f.peakRssMb),
        'rss MB before reading': Math.round(f.baseRssMb),
        'heap used MB after read': Math.round(f.heapAfterReadMb),
        'heap used MB at end': Math.round(f.heapEndMb),
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
