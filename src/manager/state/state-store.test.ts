import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../platform/clock.js';
import { MemoryLogger } from '../../platform/logger.js';
import { jobPayloadSchema } from '../../gitlab/job-payload.js';
import { openStateStore } from './state-store.js';

const job = jobPayloadSchema.parse({
  id: 42,
  token: 'glcbt-64_secret',
  job_info: { name: 'build' },
  git_info: { repo_url: 'http://x/y.git' },
});

async function tempFile(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'spotrunner-state-')), 'state.json');
}

describe('state store', () => {
  it('keeps in-flight jobs with their tokens on disk until they finish', async () => {
    const file = await tempFile();
    const deps = { clock: new VirtualClock(1000), logger: new MemoryLogger() };
    const store = await openStateStore(deps, file);
    const journal = store.journal();
    journal.accepted(job, 'spot');
    journal.started(job, 'i-1', 'spot');
    await store.flush();
    const reopened = await openStateStore(deps, file);
    expect(reopened.runner('spot').jobs['42']).toMatchObject({
      id: 42,
      token: 'glcbt-64_secret',
      instanceId: 'i-1',
    });
    journal.finished(42);
    await store.flush();
    const after = await openStateStore(deps, file);
    expect(after.runner('spot').jobs).toEqual({});
  });

  it('has a received job on disk once received() resolves, and the final state once finishing() does', async () => {
    const file = await tempFile();
    const deps = { clock: new VirtualClock(1000), logger: new MemoryLogger() };
    const journal = (await openStateStore(deps, file)).journal();
    await journal.received(job, 'spot');
    const onDisk = async (): Promise<unknown> =>
      (JSON.parse(await readFile(file, 'utf8')) as { runners: { spot: { jobs: unknown } } }).runners
        .spot.jobs;
    expect(await onDisk()).toEqual({
      '42': {
        id: 42,
        token: 'glcbt-64_secret',
        name: 'build',
        phase: 'received',
        acceptedAtMs: 1000,
      },
    });
    journal.accepted(job, 'spot');
    const final = { state: 'success', checksum: 'crc32:0badf00d', bytesize: 12 } as const;
    await journal.finishing(42, final);
    expect(await onDisk()).toMatchObject({ '42': { phase: 'finishing', final } });
    const reopened = await openStateStore(deps, file);
    expect(reopened.runner('spot').jobs['42']).toMatchObject({ phase: 'finishing', final });
  });

  it('writes atomically with owner-only permissions and leaves no temp files', async () => {
    const file = await tempFile();
    const store = await openStateStore(
      { clock: new VirtualClock(), logger: new MemoryLogger() },
      file,
    );
    store.recordInstances('spot', [{ id: 'i-1', useCount: 3, hadJobs: true }]);
    await store.flush();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readdir(join(file, '..'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      version: 1,
      runners: { spot: { instances: { 'i-1': { useCount: 3 } } } },
    });
  });

  it('refuses a corrupt state file with a clear message', async () => {
    const file = await tempFile();
    await writeFile(file, '{ not json');
    await expect(
      openStateStore({ clock: new VirtualClock(), logger: new MemoryLogger() }, file),
    ).rejects.toThrow(/not valid JSON.*move it aside/);
  });

  it('says why it cannot write, until a write succeeds', async () => {
    const file = await tempFile();
    const blocker = join(file, '..', 'blocked');
    const deps = { clock: new VirtualClock(), logger: new MemoryLogger() };
    const store = await openStateStore(deps, join(blocker, 'state.json'));
    expect(store.writeError).toBeUndefined();
    await writeFile(blocker, 'a file where the state dir should be');
    await store.save();
    expect(store.writeError).toMatch(/ENOTDIR|EEXIST/);
    expect(deps.logger.messages('error')).toContain('cannot write state file');
    await rm(blocker);
    await store.save();
    expect(store.writeError).toBeUndefined();
    expect((await stat(join(blocker, 'state.json'))).isFile()).toBe(true);
  });
});
