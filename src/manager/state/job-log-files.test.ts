import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import { MemoryLogger } from '../../platform/logger.js';
import { jobPayloadSchema } from '../../gitlab/job-payload.js';
import { createJobTrace } from '../../gitlab/trace/job-trace.js';
import type { RunnerApi } from '../../gitlab/runner-api.js';
import { openStateStore } from './state-store.js';

const SECRET = 'hunter2-Secret-Value';
const job = jobPayloadSchema.parse({
  id: 7,
  token: 'glcbt-64_jobtoken',
  job_info: { name: 'build' },
  git_info: { repo_url: 'http://x/y.git' },
});

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function stateFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'spotrunner-joblogs-'));
  dirs.push(dir);
  return join(dir, 'state.json');
}

/** A GitLab that takes nothing: the log stays with the writer. */
const silentApi = {
  patchTrace: () => Promise.resolve({ kind: 'failed', status: 503, cancelRequested: false }),
} as unknown as RunnerApi;

function traceTo(logFile: string, outputLimitBytes = 1024 * 1024) {
  const deps = { clock: new VirtualClock(0), logger: new MemoryLogger(), api: silentApi };
  return createJobTrace(deps, {
    job: { id: job.id, token: job.token },
    maskedValues: [SECRET],
    tokenPrefixes: [],
    outputLimitBytes,
    traceSections: false,
    logFile,
  });
}

describe('job logs kept beside the state file', () => {
  it('holds only masked text, owner-only, even when a secret arrives split across writes', async () => {
    const store = await openStateStore(
      { clock: new VirtualClock(0), logger: new MemoryLogger() },
      await stateFile(),
    );
    const file = store.jobLogFile('spot', job.id);
    const trace = traceTo(file);
    trace.write(`token ${job.token} and ${SECRET.slice(0, 7)}`);
    trace.write(`${SECRET.slice(7)} done\n`);
    await trace.discard();

    const text = await readFile(file, 'utf8');
    expect(text).toBe('token [MASKED] and [MASKED] done\n');
    expect(text).not.toContain(SECRET);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(file))).mode & 0o777).toBe(0o700);
  });

  it('stops at the output limit', async () => {
    const store = await openStateStore(
      { clock: new VirtualClock(0), logger: new MemoryLogger() },
      await stateFile(),
    );
    const file = store.jobLogFile('spot', job.id);
    const trace = traceTo(file, 100);
    for (let i = 0; i < 100; i++) trace.write('0123456789'.repeat(10));
    await trace.discard();
    expect((await stat(file)).size).toBeLessThan(300);
  });

  it('removes a log when its job finishes, and at start the logs of jobs no longer held', async () => {
    const file = await stateFile();
    const deps = { clock: new VirtualClock(0), logger: new MemoryLogger() };
    const store = await openStateStore(deps, file);
    const journal = store.journal();
    await journal.received(job, 'spot');
    await journal.received({ ...job, id: 8 }, 'spot');
    for (const id of [7, 8, 9]) {
      const trace = traceTo(store.jobLogFile('spot', id));
      trace.write(`job ${id}\n`);
      await trace.discard();
    }
    journal.finished(7);
    await store.flush();
    expect(existsSync(store.jobLogFile('spot', 7))).toBe(false);
    expect(existsSync(store.jobLogFile('spot', 8))).toBe(true);

    const reopened = await openStateStore(deps, file);
    const left = await readdir(dirname(reopened.jobLogFile('spot', 8)));
    expect(left).toEqual([reopened.jobLogFile('spot', 8).split('/').pop()]);
  });

  it('keeps the logs of runners with the same job id apart', async () => {
    const store = await openStateStore(
      { clock: new VirtualClock(0), logger: new MemoryLogger() },
      await stateFile(),
    );
    expect(store.jobLogFile('a', 1)).not.toBe(store.jobLogFile('b', 1));
    expect(dirname(store.jobLogFile('a/../..', 1))).toBe(dirname(store.jobLogFile('b', 1)));
  });
});
