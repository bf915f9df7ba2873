import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitLabClient } from '../gitlab/index.js';
import { crc32, formatChecksum } from '../gitlab/trace/crc32.js';
import { SystemClock } from '../platform/clock.js';
import { MemoryLogger } from '../platform/logger.js';
import {
  patchTrace,
  putJob,
  startHarness,
  takeJob,
  type Harness,
  type JobHandle,
} from '../sandbox/testing/sandbox-harness.js';
import { settleLeftoverJobs } from './settle-leftovers.js';
import { openStateStore, type StateStore } from './state/state-store.js';

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  h = dir = undefined;
});

/** A loopback URL where nothing listens: every request is refused. */
async function deadUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const clock = new SystemClock();

/** A sandbox with one job handed out (accepted unless `accept` is false) and a state file. */
async function leftover(options: { accept?: boolean; unreachable?: boolean } = {}) {
  const logger = new MemoryLogger();
  h = await startHarness({ ci: 'build:\n  script: sleep 1\n', clock });
  const taken = await takeJob(h);
  if (options.accept !== false) await putJob(h.url, taken.id, taken.token, { state: 'running' });
  dir = await mkdtemp(join(tmpdir(), 'spotrunner-leftovers-'));
  const file = join(dir, 'state.json');
  const api = createGitLabClient(
    { clock, logger },
    {
      url: options.unreachable ? await deadUrl() : h.url,
      token: h.runnerToken,
      systemId: 's_leftovers01',
      info: { version: 'test', executor: 'instance' },
    },
  );
  /** Writes the state file as a previous run left it, and opens it. */
  const stateWith = async (job: Record<string, unknown>): Promise<StateStore> => {
    const record = { id: taken.id, token: taken.token, name: 'build', acceptedAtMs: 1, ...job };
    const state = {
      version: 1,
      savedAtMs: 1,
      runners: { spot: { instances: {}, jobs: { [String(taken.id)]: record } } },
    };
    await writeFile(file, JSON.stringify(state), { mode: 0o600 });
    return openStateStore({ clock, logger }, file);
  };
  const settle = (store: StateStore, maxUnavailableMs?: number) =>
    settleLeftoverJobs({ clock, logger, apiFor: () => api }, store, {
      ...(maxUnavailableMs !== undefined ? { maxUnavailableMs } : {}),
    });
  return { h, taken, logger, stateWith, settle };
}

/** What a previous run had sent of the job's log, and the final update it was delivering. */
async function traceSent(harness: Harness, job: JobHandle, text: string) {
  await patchTrace(harness.url, job.id, job.token, 0, text);
  return { checksum: formatChecksum(crc32(text)), bytesize: Buffer.byteLength(text) };
}

describe('settling jobs left running by a previous run', () => {
  it('fails a job GitLab still runs (200 + Job-Status: failed) and counts it as failed', async () => {
    const t = await leftover();
    const store = await t.stateWith({ phase: 'running', instanceId: 'i-1' });

    const result = await t.settle(store);

    expect(result).toEqual({ failed: [t.taken.id], resent: [], gone: [], errors: [] });
    expect(t.h.server.job(t.taken.id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(t.h.server.trace(t.taken.id, { plain: true })).toContain(
      'The spotrunner manager stopped unexpectedly while this job ran on instance i-1',
    );
    expect(t.logger.messages()).toContain('failed a job left running by a previous run');
    expect(store.runner('spot').jobs).toEqual({});
  });

  it('reads a state file written before job phases as running jobs', async () => {
    const t = await leftover();
    const store = await t.stateWith({});
    expect((await t.settle(store)).failed).toEqual([t.taken.id]);
    expect(t.h.server.job(t.taken.id)?.status).toBe('failed');
  });

  it('counts a job GitLab has already finished as gone', async () => {
    const t = await leftover();
    t.h.server.cancelJob(t.taken.id, { force: true });
    const store = await t.stateWith({ phase: 'running' });

    const result = await t.settle(store);

    expect(result).toEqual({ failed: [], resent: [], gone: [t.taken.id], errors: [] });
    expect(t.h.server.job(t.taken.id)?.status).toBe('canceled');
  });

  it('re-sends the success a previous run was delivering instead of failing the job', async () => {
    const t = await leftover();
    const sent = await traceSent(t.h, t.taken, 'all went well\n');
    const store = await t.stateWith({ phase: 'finishing', final: { state: 'success', ...sent } });

    const result = await t.settle(store);

    expect(result).toEqual({ failed: [], resent: [t.taken.id], gone: [], errors: [] });
    expect(t.h.server.job(t.taken.id)).toMatchObject({
      status: 'success',
      failureReason: null,
      checksum: { match: true },
    });
    expect(t.h.server.trace(t.taken.id, { plain: true })).toBe('all went well\n');
    expect(store.runner('spot').jobs).toEqual({});
  });

  it('keeps sending the final state while GitLab answers 202, until it is applied', async () => {
    const t = await leftover();
    const sent = await traceSent(t.h, t.taken, 'exit 3\n');
    t.h.server.faults.tracePersisting(2, 1);
    const final = { state: 'failed', failureReason: 'script_failure', exitCode: 3, ...sent };
    const store = await t.stateWith({ phase: 'finishing', final });

    const result = await t.settle(store);

    expect(t.h.server.job(t.taken.id)).toMatchObject({
      status: 'failed',
      failureReason: 'script_failure',
      exitCode: 3,
      acceptedFinalUpdates: 2,
    });
    expect(result.resent).toEqual([t.taken.id]);
  });

  it('accepts and fails a job that was received but not yet accepted', async () => {
    const t = await leftover({ accept: false });
    expect(t.h.server.job(t.taken.id)).toMatchObject({ status: 'pending', awaitingAck: true });
    const store = await t.stateWith({ phase: 'received' });

    const result = await t.settle(store);

    expect(result.failed).toEqual([t.taken.id]);
    expect(t.h.server.job(t.taken.id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
    });
    expect(t.h.server.trace(t.taken.id, { plain: true })).toContain(
      'stopped unexpectedly before this job started',
    );
  });

  it('keeps a job GitLab never answered for in the state file for the next start', async () => {
    const t = await leftover({ unreachable: true });
    const store = await t.stateWith({ phase: 'running' });

    const result = await t.settle(store, 1);

    expect(result.gone).toEqual([]);
    expect(result.errors).toMatchObject([{ jobId: t.taken.id, kept: true }]);
    expect(Object.keys(store.runner('spot').jobs)).toEqual([String(t.taken.id)]);
    // Decided before sending: the next start re-sends `failed` without a second trace line.
    expect(store.runner('spot').jobs[String(t.taken.id)]).toMatchObject({
      phase: 'finishing',
      final: { state: 'failed', failureReason: 'runner_system_failure' },
    });
    expect(t.h.server.job(t.taken.id)?.status).toBe('running');
  });
});

/** The log a previous run kept beside the state file for the job (job-log-files.ts). */
async function keepLog(store: StateStore, jobId: number, text: string): Promise<string> {
  const file = store.jobLogFile('spot', jobId);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text, { mode: 0o600 });
  return file;
}

const FULL_LOG = Array.from({ length: 40 }, (_, i) => `line ${i + 1} of the job\n`).join('');

async function isGone(file: string): Promise<boolean> {
  return access(file).then(
    () => false,
    () => true,
  );
}

describe('settling a job whose log the previous run kept on disk', () => {
  it.each([
    ['nothing', 0],
    ['part', 100],
    ['all', Buffer.byteLength(FULL_LOG)],
  ])(
    'sends what GitLab lacks (it had %s) before the final state, so the checksum matches',
    async (_what, had) => {
      const t = await leftover();
      if (had > 0) await traceSent(t.h, t.taken, FULL_LOG.slice(0, had));
      const full = { checksum: formatChecksum(crc32(FULL_LOG)), bytesize: FULL_LOG.length };
      const store = await t.stateWith({ phase: 'finishing', final: { state: 'success', ...full } });
      const file = await keepLog(store, t.taken.id, FULL_LOG);

      const result = await t.settle(store);

      expect(result.resent).toEqual([t.taken.id]);
      expect(t.h.server.trace(t.taken.id)).toBe(FULL_LOG);
      expect(t.h.server.job(t.taken.id)).toMatchObject({
        status: 'success',
        checksum: { match: true },
      });
      expect(await isGone(file)).toBe(true);
    },
  );

  it('fails a job left running with its whole log and the note, checksum included', async () => {
    const t = await leftover();
    await traceSent(t.h, t.taken, FULL_LOG.slice(0, 50));
    const store = await t.stateWith({ phase: 'running', instanceId: 'i-1' });
    const file = await keepLog(store, t.taken.id, FULL_LOG);

    expect((await t.settle(store)).failed).toEqual([t.taken.id]);

    const trace = t.h.server.trace(t.taken.id) ?? '';
    expect(trace.startsWith(FULL_LOG)).toBe(true);
    expect(trace.slice(FULL_LOG.length)).toContain('stopped unexpectedly while this job ran');
    expect(t.h.server.job(t.taken.id)).toMatchObject({
      status: 'failed',
      failureReason: 'runner_system_failure',
      checksum: { match: true },
    });
    expect(await isGone(file)).toBe(true);
  });

  it('keeps the log with the note in it when GitLab cannot be reached, for the next start', async () => {
    const t = await leftover({ unreachable: true });
    const store = await t.stateWith({ phase: 'running' });
    const file = await keepLog(store, t.taken.id, FULL_LOG);

    expect((await t.settle(store, 1)).errors).toMatchObject([{ jobId: t.taken.id, kept: true }]);

    expect(await isGone(file)).toBe(false);
    const rec = store.runner('spot').jobs[String(t.taken.id)];
    expect(rec?.phase).toBe('finishing');
    expect(rec?.final?.bytesize).toBeGreaterThan(FULL_LOG.length);
  });
});
